"""The form brain: read a form, map its fields to the profile vocabulary, learn from successes.

Modules (imported on demand; CrewAI only when an LLM is configured and asked):

* model      FormField, FormInfo (.signature), FieldMapping, FormMapping: the runner's contract
* extract    extract_forms_from_html(html) / extract_forms_from_page(page) -> forms in document order
* heuristics classify(field): autocomplete, multilingual synonyms, input types, traps
* mapper     FormBrain(learned_store, llm_mapper).map_form(form, directory, profile) / choose_form / learn
* values     value_for_field(mapping, field, profile) -> the text to type, option to select, box to tick
* (learned mappings are stored by dirbolt_core.db.learned: store.learned implements LearnedStore)
* llm        CrewFieldMapper, CrewOutcomeAnalyzer (Settings.llm(): DIRBOLT_LLM_MODEL + the provider's key)
* service    create_app(): POST /v1/map, /v1/analyze, /v1/learn, GET /healthz (bearer key, 413)
* client     BrainClient: the service with timeouts and retries, in-process when it is down or unset
* sources    map_sources / SourceReader: saved pages and live URLs (`dirbolt map-form`)
* evaluation corpus and sandbox scoring (benchmarks/form_brain.py, tests)
"""
