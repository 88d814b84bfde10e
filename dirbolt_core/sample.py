"""The sample business of the demo and the tests."""

from __future__ import annotations

from dirbolt_core.models import BusinessProfile

SAMPLE_PROFILE = BusinessProfile(
    business_name="Bluebird Bakery & Café",
    website="https://bluebird-bakery.example",
    email="hello@bluebird-bakery.example",
    phone="(512) 555-0142",
    address_line1="1402 South Congress Ave",
    address_line2="Suite 5",
    city="Austin",
    state="TX",
    postal_code="78704",
    country="US",
    description=(
        "Bluebird Bakery & Café is a neighbourhood bakery on South Congress baking sourdough, "
        "croissants and seasonal pies every morning since 2012. We use flour milled in Texas, "
        "butter from local dairies and fruit from farms within a hundred miles. Our café serves "
        "espresso from a Houston roaster, breakfast tacos on weekends and a rotating lunch menu. "
        "We cater weddings and office events, bake custom celebration cakes with three days' "
        "notice and run sourdough classes on the first Saturday of every month. Gluten-free "
        "and vegan options are baked daily in a separate kitchen area."
    ),
    short_description="Neighbourhood sourdough bakery and café on South Congress, Austin.",
    category="Bakery",
    keywords=["bakery", "sourdough", "cafe", "austin", "catering"],
    contact_name="Maya Thornton",
    contact_first_name="Maya",
    contact_last_name="Thornton",
    contact_title="Owner",
    hours="Tue-Sun 7am-3pm",
    year_founded=2012,
    facebook_url="https://facebook.com/bluebirdbakeryatx",
    instagram_url="https://instagram.com/bluebirdbakeryatx",
)
