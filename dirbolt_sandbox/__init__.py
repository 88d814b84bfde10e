"""The sandbox directory network (see DESIGN.md): a staging target and the test bed."""
