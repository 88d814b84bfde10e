"""Scripted Playwright clients, one per sandbox site: each knows its site's form the way a person does.

They find fields by the labels people read (for=, wrapping, aria-label, aria-labelledby,
placeholder) where the site gives one, choose options by their visible text, and submit the
sample business once. Values are written out here from the profile, independently of the
sites' `expected_fields`, so that the walk test compares two separate statements of what the
site should receive.

A script returns a `Walk`: the text where the site answered and, for approved sites, the
listing URL. Sites a person must finish (captcha, sign-in) have a `bot` script (what an
automated client can do: stops at the challenge) and a `person` script (the challenge solved).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from dirbolt_core.sample import SAMPLE_PROFILE as P
from dirbolt_sandbox.kit import DEMO_ACCOUNT
from dirbolt_sandbox.sites._common import fit_text

DIGITS = "5125550142"
DESCRIPTION = P.description or ""
KEYWORDS = ", ".join(P.keywords)


@dataclass
class Walk:
    text: str
    listing_url: str | None = None
    blocked_by: str | None = None  # captcha | login, for the bot scripts
    statuses: tuple[int, ...] = ()  # HTTP statuses of the submit responses, in order


def _fill(target: Any, values: dict[str, str]) -> None:
    """target: a Page, Frame or FrameLocator; keys are CSS selectors."""
    for selector, value in values.items():
        target.locator(selector).fill(value)


def _fill_labels(target: Any, values: dict[str, str]) -> None:
    """Fill by the exact accessible label a person reads."""
    for label, value in values.items():
        target.get_by_label(label, exact=True).fill(value)


def _fill_placeholders(target: Any, values: dict[str, str]) -> None:
    for placeholder, value in values.items():
        target.get_by_placeholder(placeholder, exact=True).fill(value)


def _navigate(page: Any, click: Callable[[], None]) -> Walk:
    with page.expect_navigation() as nav:
        click()
    response = nav.value
    return Walk(text=page.inner_text("body"), statuses=(response.status if response else 0,))


def _inline(page: Any, target: Any, click: Callable[[], None], answer: str) -> Walk:
    """Fetch submits: wait for the site's inline answer (role=status or role=alert) in `answer`."""
    with page.expect_response(lambda r: r.request.method == "POST") as resp:
        click()
    box = target.locator(f"{answer} [role=status], {answer} [role=alert]").first
    box.wait_for()
    link = target.locator(f"{answer} a.listing-link")
    url = link.get_attribute("href") if link.count() else None
    return Walk(text=box.inner_text(), listing_url=url, statuses=(resp.value.status,))


def _retrying(page: Any, url: str, fill_and_submit: Callable[[], Walk], attempts: int = 3) -> Walk:
    """Flaky sites: a 503 answer is retried from the form, like a careful person would."""
    statuses: list[int] = []
    for _ in range(attempts):
        page.goto(url)
        walk = fill_and_submit()
        statuses.extend(walk.statuses)
        if walk.statuses and walk.statuses[-1] != 503:
            break
    walk.statuses = tuple(statuses)
    return walk


def _link(page: Any, selector: str) -> str | None:
    return page.locator(selector).first.get_attribute("href")


# ------------------------------------------------------------------ foundation
def localpages(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill(page, {"#business_name": P.business_name, "#website": P.website, "#email": P.email, "#phone": P.phone,
                 "#address": P.address_line1, "#city": P.city, "#zip": P.postal_code, "#description": DESCRIPTION})
    page.select_option("#state", label="Texas")
    page.select_option("#category", label="Bakeries & Desserts")
    return _navigate(page, lambda: page.click("#listing-form button[type=submit]"))


def citylisted(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Company": P.business_name, "Web address": P.website, "E-mail": P.email,
                        "Telephone": P.phone, "City": P.city})
    page.select_option("[name=f_06]", label="Texas")
    # maxlength 500: the browser would cut after the 500th character, mid-sentence with a trailing
    # space; a careful client fits the text to the limit at a word boundary itself.
    page.get_by_label("About your business", exact=True).fill(fit_text(DESCRIPTION, 500))
    page.get_by_label("I agree to the terms of service", exact=True).check()
    return _navigate(page, lambda: page.click("input[type=submit]"))


def bizspot(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Website URL": P.website, "Area code": "512",
                        "Phone prefix": "555", "Phone line number": "0142"})
    _fill_placeholders(page, {"First name": "Maya", "Last name": "Thornton", "Email address": P.email})
    page.get_by_label("Category", exact=True).select_option(label="Bakeries & Desserts")
    walk = _navigate(page, lambda: page.get_by_role("button", name="Publish my listing").click())
    walk.listing_url = _link(page, "#listing-link")
    return walk


def verifiedfinder_bot(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business Name": P.business_name, "Phone Number": P.phone, "Email": P.email})
    assert page.locator(".g-recaptcha").is_visible()
    walk = _navigate(page, lambda: page.click("button[type=submit]"))  # the challenge left unanswered
    walk.blocked_by = "captcha"
    return walk


def verifiedfinder_person(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business Name": P.business_name, "Phone Number": P.phone, "Email": P.email,
                        "Type the characters you see": admin.captcha_answer("verifiedfinder")})
    return _navigate(page, lambda: page.click("button[type=submit]"))


def northonly(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Email": P.email, "Phone": P.phone})
    page.get_by_label("Country", exact=True).select_option(label="United States")
    return _navigate(page, lambda: page.click("input[type=submit]"))


# ------------------------------------------------------------------ languages
def branchenbuch(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Firmenname *": P.business_name, "Ansprechpartner": "Maya Thornton",
                        "Straße *": "South Congress Ave", "Hausnr.": "1402", "Adresszusatz": "Suite 5",
                        "PLZ *": P.postal_code, "Ort *": P.city, "Bundesland / Bundesstaat": "TX",
                        "Telefon *": P.phone, "E-Mail *": P.email, "Webseite": P.website,
                        "Beschreibung": DESCRIPTION})
    page.get_by_label("Land", exact=True).select_option(label="Vereinigte Staaten")
    page.get_by_label("Kategorie", exact=True).select_option(label="Bäckereien & Konditoreien")
    page.get_by_label("Ich akzeptiere die AGB und die Datenschutzerklärung *", exact=True).check()
    return _navigate(page, lambda: page.get_by_role("button", name="Eintrag kostenlos absenden").click())


def annuairepro(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Raison sociale *": P.business_name, "Prénom": "Maya", "Nom": "Thornton",
                        "Courriel *": P.email, "Site web": P.website, "Téléphone *": P.phone,
                        "Adresse": P.address_line1, "Complément d'adresse": "Suite 5", "Code postal": P.postal_code,
                        "Ville": P.city, "Description de l'activité": DESCRIPTION})
    page.get_by_label("Pays *", exact=True).select_option(label="États-Unis")
    page.get_by_label("Catégorie", exact=True).select_option(label="Boulangerie-Pâtisserie")
    page.get_by_label("J'accepte les conditions générales d'utilisation", exact=True).check()
    return _navigate(page, lambda: page.get_by_role("button", name="Envoyer ma fiche").click())


def guiaempresas(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_placeholders(page, {"Nombre de la empresa *": P.business_name, "Sitio web (https://...)": P.website,
                              "Correo electrónico *": P.email, "Teléfono (solo números) *": DIGITS,
                              "Dirección": P.address_line1, "Ciudad": P.city, "Estado / Provincia": "TX",
                              "Código postal": P.postal_code,
                              "Describe tu negocio (máx. 250 caracteres)": fit_text(DESCRIPTION, 250)})
    page.select_option("[name=prefijo]", label="+1 EE. UU. / Canadá")
    page.select_option("[name=categoria]", label="Panaderías y pastelerías")
    page.get_by_label("Acepto los términos y condiciones", exact=True).check()
    return _inline(page, page, lambda: page.get_by_role("button", name="Enviar").click(), "#resultado")


def katalogfirm(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Nazwa firmy*": P.business_name, "Imię i nazwisko osoby kontaktowej": "Maya Thornton",
                        "E-mail*": P.email, "Telefon*": P.phone, "Strona WWW": P.website,
                        "Ulica i numer": P.address_line1, "Kod pocztowy": P.postal_code, "Miasto": P.city,
                        "Słowa kluczowe (oddzielone przecinkami)": KEYWORDS, "Opis działalności": DESCRIPTION})
    page.select_option("[name=kraj]", label="Stany Zjednoczone")
    page.select_option("[name=kategoria]", label="Piekarnie i cukiernie")
    page.get_by_label("Akceptuję regulamin serwisu*", exact=True).check()
    return _navigate(page, lambda: page.get_by_role("button", name="Dodaj firmę").click())


def firmensued(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Unternehmen": P.business_name, "Inhaber/in": "Maya Thornton",
                        "Straße und Hausnummer": P.address_line1, "Postleitzahl": P.postal_code, "Ort": P.city,
                        "Telefonnummer": P.phone, "E-Mail-Adresse": P.email, "Internetadresse": P.website,
                        "Branche": "Bakery"})
    return _navigate(page, lambda: page.click("input[type=submit]"))


def repertoireqc(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Nom de l'entreprise": P.business_name, "Courriel": P.email, "Téléphone": P.phone,
                        "Site Web": P.website, "Adresse": P.address_line1, "Ville": P.city, "Province / État": "TX"})
    page.select_option("[name=pays]", label="États-Unis")
    page.get_by_label("J'accepte les conditions d'utilisation", exact=True).check()
    return _navigate(page, lambda: page.get_by_role("button", name="S'inscrire").click())


# ------------------------------------------------------------------ conventions
def yellowbook(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Website URL": P.website, "Contact email": P.email,
                        "Phone number": P.phone, "Street address": P.address_line1,
                        "Apt, suite, unit (optional)": "Suite 5", "City": P.city, "ZIP code": P.postal_code,
                        "Year established": "2012"})
    page.get_by_label("State", exact=True).select_option(label="TX - Texas")
    page.get_by_label("United States", exact=True).check()
    page.get_by_label("Business category", exact=True).select_option(label="Bakeries")
    walk = _navigate(page, lambda: page.get_by_role("button", name="Create my listing").click())
    walk.listing_url = _link(page, "a.listing-link")
    return walk


def mainstreet(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Website": P.website, "Owner's full name": "Maya Thornton",
                        "Owner's email": P.email, "Street address": P.address_line1, "City": P.city,
                        "State (2 letters)": "TX", "ZIP": P.postal_code, "Opening hours": P.hours})
    _fill(page, {"[name='phone.area']": "512", "[name='phone.exchange']": "555", "[name='phone.number']": "0142"})
    page.get_by_label("Bakery / Café", exact=True).check()
    page.get_by_label("I accept the Terms of Listing", exact=True).check()
    walk = _navigate(page, lambda: page.get_by_role("button", name="Register business").click())
    walk.listing_url = _link(page, "a[href*='/l/']")
    return walk


def metroindex(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    p = "#ctl00_MainContent_"
    _fill(page, {f"{p}txtBusinessName": P.business_name, f"{p}txtContactName": "Maya Thornton",
                 f"{p}txtEmail": P.email, f"{p}txtPhone": "(512) 555-0142", f"{p}txtWebsite": P.website,
                 f"{p}txtAddress1": P.address_line1, f"{p}txtAddress2": "Suite 5", f"{p}txtCity": P.city,
                 f"{p}txtZip": P.postal_code, f"{p}txtKeywords": KEYWORDS, f"{p}txtDescription": DESCRIPTION})
    page.select_option(f"{p}ddlState", label="Texas")
    page.check(f"{p}chkTerms")
    return _navigate(page, lambda: page.click(f"{p}btnSubmit"))


def commerceregistry(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Legal business name *": P.business_name, "Email *": P.email, "Phone *": P.phone,
                        "Website": P.website, "Street address": P.address_line1, "City": P.city,
                        "ZIP": P.postal_code, "Year founded": "2012"})
    page.get_by_label("State", exact=True).select_option(label="TX")
    # The profile has no federal tax id: the field stays empty, as a correct runner leaves it.
    return _navigate(page, lambda: page.get_by_role("button", name="Register").click())


def citywide(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Website": P.website, "Email": P.email,
                        "Confirm email": P.email, "Phone": "512-555-0142", "Address": P.address_line1,
                        "Address line 2": "Suite 5", "City": P.city, "State": "TX", "ZIP": P.postal_code,
                        "Description": DESCRIPTION})
    page.get_by_label("Category", exact=True).select_option(label="Food, Beverage & Bakeries")
    walk = _navigate(page, lambda: page.get_by_role("button", name="Add my business").click())
    assert re.search(r"/thanks\?ref=\w+", page.url), page.url  # after the 303 and the 302
    return walk


# ------------------------------------------------------------------ flows
def steplist(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Company name": P.business_name, "Website": P.website, "Email": P.email})
    page.locator("fieldset[data-step='1'] .next").click()
    _fill_labels(page, {"Street address": P.address_line1, "City": P.city, "ZIP": P.postal_code, "Phone": P.phone})
    page.get_by_label("State", exact=True).select_option(label="Texas")
    page.locator("fieldset[data-step='2'] .next").click()
    page.get_by_label("Category", exact=True).select_option(label="Bakery & Café")
    page.get_by_label("Description", exact=True).fill(DESCRIPTION)
    page.get_by_label("I agree to the Terms & Conditions", exact=True).check()
    return _navigate(page, lambda: page.get_by_role("button", name="Submit listing").click())


def listingforge(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Website": P.website})
    page.get_by_label("Category", exact=True).select_option(label="Bakeries & Patisseries")
    _navigate(page, lambda: page.get_by_role("button", name="Next step").click())
    _fill_labels(page, {"First name": "Maya", "Last name": "Thornton", "Email": P.email, "Phone": P.phone,
                        "No.": "1402", "Street": "South Congress Ave", "City": P.city, "ZIP": P.postal_code})
    page.get_by_label("State", exact=True).select_option(label="Texas")
    _navigate(page, lambda: page.get_by_role("button", name="Next step").click())
    _fill_labels(page, {"Describe your business": fit_text(DESCRIPTION, 400), "Tags (comma separated)": KEYWORDS})
    page.get_by_label("I accept the listing terms", exact=True).check()
    walk = _navigate(page, lambda: page.get_by_role("button", name="Publish listing").click())
    walk.listing_url = _link(page, "#listing-url")
    return walk


def _trustedlocal_step1(page: Any, url: str) -> None:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Phone": P.phone, "Email": P.email, "Website": P.website})
    _navigate(page, lambda: page.get_by_role("button", name="Continue").click())
    _fill_labels(page, {"Street address": P.address_line1, "City": P.city, "Description": DESCRIPTION})


def trustedlocal_bot(page: Any, url: str, admin: Any) -> Walk:
    _trustedlocal_step1(page, url)
    assert page.locator(".h-captcha").is_visible()
    walk = _navigate(page, lambda: page.get_by_role("button", name="Submit for verification").click())
    walk.blocked_by = "captcha"
    return walk


def trustedlocal_person(page: Any, url: str, admin: Any) -> Walk:
    _trustedlocal_step1(page, url)
    # What the widget writes once a person has picked every bus.
    answer = admin.captcha_answer("trustedlocal")
    page.locator("[name='h-captcha-response']").evaluate("(el, v) => el.value = v", answer)
    return _navigate(page, lambda: page.get_by_role("button", name="Submit for verification").click())


def nimbus(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    page.get_by_label("Business name", exact=True).wait_for()  # rendered ~0.9 s after load
    _fill_labels(page, {"Business name": P.business_name, "Website": P.website, "Email address": P.email,
                        "Phone": P.phone, "City": P.city, "State (2 letters)": "TX",
                        "Tagline (160 characters max)": P.short_description})
    page.get_by_label("Category", exact=True).select_option(label="Bakery & Sweets")
    return _navigate(page, lambda: page.get_by_role("button", name="Add listing").click())


def quickcite(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    page.get_by_placeholder("Business name").wait_for()  # fetched ~1.5 s after load
    _fill_placeholders(page, {"Business name": P.business_name, "Website (https://…)": P.website, "Email": P.email,
                              "Phone": P.phone, "Street address": P.address_line1, "City": P.city, "State": "TX",
                              "ZIP": P.postal_code, "Keywords, comma separated": KEYWORDS,
                              "Tell customers about your business": DESCRIPTION})
    return _navigate(page, lambda: page.get_by_role("button", name="Get cited").click())


def hive(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Company name": P.business_name, "First name": "Maya", "Last name": "Thornton",
                        "Email": P.email, "Phone": P.phone, "Website": P.website, "City": P.city,
                        "Tagline": P.short_description, "Facebook page": P.facebook_url,
                        "Instagram profile": P.instagram_url})
    page.get_by_label("Country", exact=True).select_option(label="United States")
    page.get_by_label("I follow the community guidelines", exact=True).check()
    return _inline(page, page, lambda: page.get_by_role("button", name="Go live").click(), "#hive-out")


def neighborly(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    frame = page.frame_locator("#nb-widget")
    _fill_labels(frame, {"Business name": P.business_name, "Phone": P.phone, "Email": P.email, "Website": P.website,
                         "Address": P.address_line1, "City": P.city, "ZIP": P.postal_code, "About": DESCRIPTION})
    frame.get_by_label("State", exact=True).select_option(label="Texas")
    frame.get_by_label("I accept the terms of service", exact=True).check()
    frame.get_by_role("button", name="Add business").click()
    answer = frame.locator("h2")
    answer.wait_for()
    return Walk(text=frame.locator("body").inner_text())


def gazette(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    frame = page.frame_locator("iframe[title='Local Guide sign-up']")  # inserted by script after load
    _fill_labels(frame, {"Business": P.business_name, "Website": P.website, "Email": P.email,
                         "Telephone": P.phone, "Town": P.city, "A few words about you": DESCRIPTION})
    frame.get_by_label("I have read the guide rules", exact=True).check()
    return _inline(page, frame, lambda: frame.get_by_role("button", name="Send to the editors").click(), "#g-out")


def pinpoint(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Company name": P.business_name, "Website": P.website, "Email": P.email, "Phone": P.phone,
                        "Street": P.address_line1, "City": P.city, "ZIP": P.postal_code, "Description": DESCRIPTION})
    page.get_by_label("State", exact=True).select_option(label="TX")
    first = _inline(page, page, lambda: page.get_by_role("button", name="Submit business").click(), "#pp-out")
    limit = int(re.search(r"at most (\d+) characters", first.text).group(1))  # the site says its limit
    page.get_by_label("Description", exact=True).fill(fit_text(DESCRIPTION, limit))
    walk = _inline(page, page, lambda: page.get_by_role("button", name="Submit business").click(), "#pp-out")
    walk.statuses = first.statuses + walk.statuses
    return walk


# ------------------------------------------------------------------ gates
def memberbiz_bot(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    assert "/login" in page.url and page.locator("input[type=password]").is_visible()
    assert page.locator("[name=company]").count() == 0
    # Posting the form without an account does not get through either.
    response = page.request.post(url, form={"company": P.business_name, "phone": P.phone, "email": P.email},
                                 max_redirects=0)
    assert response.status == 303 and "/login" in response.headers["location"]
    return Walk(text=page.inner_text("body"), blocked_by="login")


def memberbiz_person(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Email": DEMO_ACCOUNT[0], "Password": DEMO_ACCOUNT[1]})
    _navigate(page, lambda: page.get_by_role("button", name="Sign in").click())
    _fill_labels(page, {"Company": P.business_name, "Phone": P.phone, "Email": P.email, "Website": P.website,
                        "Description": DESCRIPTION})
    return _navigate(page, lambda: page.get_by_role("button", name="Add business").click())


def proguild_bot(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    assert page.locator("input[type=password]").is_visible() and page.locator("[name=companyName]").count() == 0
    return Walk(text=page.inner_text("body"), blocked_by="login")


def proguild_person(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Username": DEMO_ACCOUNT[0], "Password": DEMO_ACCOUNT[1]})
    _navigate(page, lambda: page.get_by_role("button", name="Log in").click())
    _fill_labels(page, {"Company name": P.business_name, "Phone": P.phone, "Website": P.website})
    return _navigate(page, lambda: page.get_by_role("button", name="Submit to the guild").click())


def _clicklocal_fill(page: Any) -> None:
    _fill_placeholders(page, {"Business name": P.business_name, "Phone": P.phone, "Email": P.email,
                              "Website": P.website, "What do you do?": DESCRIPTION})


def clicklocal_bot(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _clicklocal_fill(page)  # the form is open to anyone...
    walk = _navigate(page, lambda: page.get_by_role("button", name="Publish").click())
    assert page.locator("input[type=password]").is_visible()  # ...the wall comes with the submit
    walk.blocked_by = "login"
    return walk


def clicklocal_person(page: Any, url: str, admin: Any) -> Walk:
    clicklocal_bot(page, url, admin)
    _fill_placeholders(page, {"Email": DEMO_ACCOUNT[0], "Password": DEMO_ACCOUNT[1]})
    _navigate(page, lambda: page.get_by_role("button", name="Log in").click())
    _clicklocal_fill(page)  # "Your details were not saved"
    return _navigate(page, lambda: page.get_by_role("button", name="Publish").click())


def swiftlist(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Company name": P.business_name, "Website": P.website, "Email": P.email, "Phone": P.phone,
                        "City": P.city, "State": "TX", "One-line summary": P.short_description})
    return _navigate(page, lambda: page.get_by_role("button", name="List it").click())


def directoriolatino(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Nombre del negocio": P.business_name, "Teléfono": P.phone, "Correo electrónico": P.email,
                        "Página web": P.website, "Dirección": P.address_line1, "Ciudad": P.city,
                        "Descripción": DESCRIPTION})
    page.get_by_label("Estado", exact=True).select_option(label="Texas")
    return _navigate(page, lambda: page.get_by_role("button", name="Registrar negocio").click())


def sunbelt(page: Any, url: str, admin: Any) -> Walk:
    def once() -> Walk:
        _fill(page, {"#sb-business": P.business_name, "#sb-phone": P.phone, "#sb-email": P.email,
                     "#sb-website": P.website, "#sb-street": P.address_line1, "#sb-city": P.city,
                     "#sb-zip": P.postal_code, "#sb-description": DESCRIPTION})
        page.select_option("#sb-state", label="Texas")
        return _navigate(page, lambda: page.click("#sb-submit"))

    return _retrying(page, url, once)


def lazyriver(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business": P.business_name, "Street number": "1402", "Street name": "South Congress Ave",
                        "Unit / Suite": "Suite 5", "City": P.city, "State": "TX", "ZIP": P.postal_code,
                        "Phone": P.phone, "Email": P.email, "Website": P.website, "Opening hours": P.hours,
                        "Year founded": "2012"})
    return _navigate(page, lambda: page.get_by_role("button", name="Float it downstream").click())


def oldtown(page: Any, url: str, admin: Any) -> Walk:
    def once() -> Walk:
        _fill_labels(page, {"Name of business": P.business_name, "Telephone": P.phone, "Email": P.email,
                            "Website": P.website})
        page.get_by_role("button", name="Continue").click()
        page.get_by_label("USA", exact=True).check()
        _fill_labels(page, {"Town": P.city, "State": "TX", "About": DESCRIPTION})
        return _navigate(page, lambda: page.get_by_role("button", name="Submit entry").click())

    return _retrying(page, url, once)


def _spisfirm_fill(page: Any, url: str) -> None:
    page.goto(url)
    _fill_labels(page, {"Nazwa firmy": P.business_name, "Telefon": P.phone, "E-mail": P.email,
                        "Strona internetowa": P.website})


def spisfirm_bot(page: Any, url: str, admin: Any) -> Walk:
    _spisfirm_fill(page, url)
    page.locator("#rc-anchor").click()  # ticking the box only opens a picture challenge
    assert page.locator(".rc-challenge").is_visible()
    walk = _navigate(page, lambda: page.get_by_role("button", name="Wyślij").click())
    walk.blocked_by = "captcha"
    return walk


def spisfirm_person(page: Any, url: str, admin: Any) -> Walk:
    _spisfirm_fill(page, url)
    page.locator("#g-recaptcha-response").evaluate("(el, v) => el.value = v", admin.captcha_answer("spisfirm"))
    return _navigate(page, lambda: page.get_by_role("button", name="Wyślij").click())


def cornerstone(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    # "Website" also names the hidden decoy field, so the real one is taken by its id.
    _fill(page, {"#cs-business_website": P.website})
    _fill_labels(page, {"Business name": P.business_name, "Email": P.email, "Phone": P.phone, "City": P.city,
                        "Business description": DESCRIPTION})
    page.get_by_label("State", exact=True).select_option(label="TX - Texas")
    page.get_by_label("I accept the directory terms", exact=True).check()
    first = _navigate(page, lambda: page.get_by_role("button", name="Submit for review").click())
    limit = int(re.search(r"must be (\d+) characters or fewer", first.text).group(1))
    # The site kept the values; the description is fixed and the terms ticked again.
    assert page.get_by_label("Business name", exact=True).input_value() == P.business_name
    page.get_by_label("Business description", exact=True).fill(fit_text(DESCRIPTION, limit))
    page.get_by_label("I accept the directory terms", exact=True).check()
    walk = _navigate(page, lambda: page.get_by_role("button", name="Submit for review").click())
    walk.statuses = first.statuses + walk.statuses
    return walk


def localhub(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Phone": P.phone, "Email": P.email, "Website": P.website,
                        "City": P.city})
    page.get_by_label("State", exact=True).select_option(label="Texas")
    page.get_by_label("Category", exact=True).select_option(label="Food & Drink")
    return _inline(page, page, lambda: page.get_by_role("button", name="Add business").click(), "#lh-out")



# ------------------------------------------------------------------ the real web (second origin, widgets)
def realweb_cdn(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    page.get_by_label("Business name", exact=True).wait_for()  # built by the CDN's script
    _fill_labels(page, {"Business name": P.business_name, "Email": P.email, "Phone": P.phone, "Website": P.website,
                        "Street address": P.address_line1, "City": P.city, "ZIP code": P.postal_code,
                        "Describe your business": DESCRIPTION})
    page.get_by_label("State", exact=True).select_option(label="Texas")
    return _navigate(page, lambda: page.get_by_role("button", name="Submit listing").click())


def realweb_react(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_placeholders(page, {"Business name": P.business_name, "you@company.com": P.email,
                              "Phone number": P.phone, "https://your-site.com": P.website, "City": P.city})
    page.get_by_label("Business description", exact=True).fill(DESCRIPTION)
    return _inline(page, page, lambda: page.get_by_role("button", name="Create listing").click(), ".card")


def realweb_shadow(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    host = page.locator("biz-signup")  # Playwright's locators pierce the open shadow root
    _fill_labels(host, {"Business name": P.business_name, "Email": P.email, "Phone": P.phone, "Website": P.website,
                        "Street": P.address_line1, "City": P.city, "About the business": DESCRIPTION})
    return _inline(page, host, lambda: host.get_by_role("button", name="Send listing").click(), "#out")


def realweb_combobox(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business name": P.business_name, "Email": P.email, "Phone": P.phone})
    page.get_by_role("combobox", name="Category").press_sequentially("Bake", delay=30)
    page.get_by_role("option", name="Bakeries & Desserts").click()
    page.get_by_label("Founded", exact=True).fill(f"{P.year_founded}-01-01")
    page.get_by_role("checkbox", name="I accept the terms of listing").click()
    return _navigate(page, lambda: page.get_by_role("button", name="Add my place").click())


def realweb_widget(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    frame = page.frame_locator("iframe[title='Listing form']")
    _fill_labels(frame, {"Organization": P.business_name, "E-mail": P.email, "Telephone": P.phone,
                         "Web address": P.website, "City": P.city, "Business description": DESCRIPTION})
    frame.get_by_label("I agree to the terms", exact=True).check()
    frame.get_by_role("button", name="Send").click()
    answer = frame.locator("[role=status]")
    answer.wait_for()
    return Walk(text=answer.inner_text())


def realweb_apex(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    assert urlsplit(page.url).hostname != urlsplit(url).hostname  # redirected to the other host name
    _fill_labels(page, {"Company": P.business_name, "Email": P.email, "Phone": P.phone, "Website": P.website,
                        "City": P.city})
    page.get_by_label("State", exact=True).select_option(label="Texas")
    return _navigate(page, lambda: page.get_by_role("button", name="Submit").click())


def realweb_confirm(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Business": P.business_name, "Email": P.email, "Phone": P.phone, "City": P.city})
    return _navigate(page, lambda: page.get_by_role("button", name="Submit").click())


def realweb_slow(page: Any, url: str, admin: Any) -> Walk:
    page.goto(url)
    _fill_labels(page, {"Company": P.business_name, "Email": P.email, "Phone": P.phone, "City": P.city})
    return _inline(page, page, lambda: page.get_by_role("button", name="Add listing").click(), "#sl-out")

Script = Callable[[Any, str, Any], Walk]
# site id -> script, or (bot, person) for the sites a person must finish
SCRIPTS: dict[str, Script | tuple[Script, Script]] = {
    "localpages": localpages, "citylisted": citylisted, "bizspot": bizspot,
    "verifiedfinder": (verifiedfinder_bot, verifiedfinder_person), "northonly": northonly,
    "branchenbuch": branchenbuch, "annuairepro": annuairepro, "guiaempresas": guiaempresas,
    "katalogfirm": katalogfirm, "firmensued": firmensued, "repertoireqc": repertoireqc,
    "yellowbook": yellowbook, "mainstreet": mainstreet, "metroindex": metroindex,
    "commerceregistry": commerceregistry, "citywide": citywide,
    "steplist": steplist, "listingforge": listingforge, "trustedlocal": (trustedlocal_bot, trustedlocal_person),
    "nimbus": nimbus, "quickcite": quickcite, "hive": hive, "neighborly": neighborly, "gazette": gazette,
    "pinpoint": pinpoint,
    "memberbiz": (memberbiz_bot, memberbiz_person), "proguild": (proguild_bot, proguild_person),
    "clicklocal": (clicklocal_bot, clicklocal_person),
    "swiftlist": swiftlist, "directoriolatino": directoriolatino, "sunbelt": sunbelt, "lazyriver": lazyriver,
    "oldtown": oldtown, "spisfirm": (spisfirm_bot, spisfirm_person), "cornerstone": cornerstone,
    "localhub": localhub,
    "realweb-cdn": realweb_cdn, "realweb-react": realweb_react, "realweb-shadow": realweb_shadow,
    "realweb-combobox": realweb_combobox, "realweb-widget": realweb_widget, "realweb-apex": realweb_apex,
    "realweb-confirm": realweb_confirm, "realweb-slow": realweb_slow,
}
