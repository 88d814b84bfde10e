"""Directories in German, French, Spanish and Polish."""

from __future__ import annotations

import html
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dirbolt_core.models import BusinessProfile
from dirbolt_core.sample import SAMPLE_PROFILE
from dirbolt_sandbox.base import Site
from dirbolt_sandbox.sites._common import (
    DE_MESSAGES,
    ES_MESSAGES,
    FR_MESSAGES,
    PL_MESSAGES,
    category_value,
    country_options,
    country_value,
    description,
    optgroups,
    options,
    phone_digits,
    street_parts,
    val,
)


class Branchenbuch(Site):
    """German: for= labels, street + house number, a country select preset to Germany, a CSS honeypot.

    Rules: strasse/hausnummer = street_parts; adresszusatz = address_line2; bundesland = the
    profile's state text; land = ISO code ("US", the preset "DE" must be changed); kategorie
    "baeckerei" for Bakery; beschreibung maxlength 1000; agb posts "ja"; newsletter left;
    honeypot "homepage" (class .zusatzfeld hidden in <style>) empty. Thank-you page after redirect.
    """

    id = "branchenbuch"
    name = "Branchenbuch Deutschland"
    lang = "de"
    tier = 2
    domain_authority = 52
    behaviours = ("language:de", "names:foreign", "labels:for", "split:street", "select:country",
                  "select:category-wording", "checkbox:terms", "checkbox:newsletter", "honeypot:css-class",
                  "validation:maxlength-html", "validation:server", "result:redirect-thanks")
    honeypot_fields = ("homepage",)
    messages = DE_MESSAGES
    core_fields = {"name": ("firmenname", "Firmenname"), "phone": ("telefon", "Telefon"),
                   "email": ("email", "E-Mail"), "website": ("webseite", "Webseite")}
    required = {"strasse": "Straße", "plz": "PLZ", "ort": "Ort"}
    max_lengths = {"beschreibung": ("Beschreibung", 1000)}
    terms_fields = {"agb": "AGB"}
    KATEGORIEN = [("baeckerei", "Bäckereien & Konditoreien"), ("gastro", "Restaurants & Gastronomie"),
                  ("cafe", "Cafés"), ("einzelhandel", "Einzelhandel"), ("gesundheit", "Gesundheit & Ärzte"),
                  ("handwerk", "Handwerk & Hausdienste"), ("recht", "Recht & Steuern"),
                  ("kfz", "Kfz & Werkstätten"), ("it", "IT & Software"), ("sonstige", "Sonstiges")]
    CATEGORY_TABLE = {"bakery": "baeckerei", "restaurant": "gastro", "cafe": "cafe", "retail": "einzelhandel",
                      "health": "gesundheit", "home": "handwerk", "legal": "recht", "auto": "kfz", "tech": "it",
                      "other": "sonstige"}
    css = ("body{font-family:Arial,Helvetica,sans-serif;margin:0;background:#f4f4f4}"
           "header{background:#ffd400;padding:14px 40px;font-weight:bold;font-size:22px}"
           "form{background:#fff;max-width:720px;margin:20px auto;padding:20px 30px;border:1px solid #ddd}"
           ".zeile{display:flex;gap:12px;margin:8px 0}.zeile label{width:170px}.zusatzfeld{display:none}"
           "button{background:#003d7a;color:#fff;border:0;padding:10px 24px}")
    thanks_html = ("<header>Branchenbuch Deutschland</header><main><h1>Vielen Dank!</h1><p>Ihr Eintrag wurde "
                   "übermittelt und wird von unserer Redaktion geprüft.</p></main>")

    async def form_page(self, request: Request) -> Response:
        land = country_options("de", placeholder="Bitte wählen").replace("value='DE'", "value='DE' selected")
        return self.page("Firmeneintrag erstellen – Branchenbuch Deutschland", f"""
<header>Branchenbuch Deutschland</header>
<form method="post" action="{self.submission_path}" id="eintrag">
  <h1>Kostenloser Firmeneintrag</h1><p>Pflichtfelder sind mit * gekennzeichnet.</p>
  <div class="zeile"><label for="firmenname">Firmenname *</label><input id="firmenname" name="firmenname" required></div>
  <div class="zeile"><label for="ansprechpartner">Ansprechpartner</label><input id="ansprechpartner" name="ansprechpartner"></div>
  <div class="zeile"><label for="strasse">Straße *</label><input id="strasse" name="strasse" required>
    <label for="hausnummer" style="width:auto">Hausnr.</label><input id="hausnummer" name="hausnummer" size="5"></div>
  <div class="zeile"><label for="adresszusatz">Adresszusatz</label><input id="adresszusatz" name="adresszusatz"></div>
  <div class="zeile"><label for="plz">PLZ *</label><input id="plz" name="plz" size="7" required>
    <label for="ort" style="width:auto">Ort *</label><input id="ort" name="ort" required></div>
  <div class="zeile"><label for="bundesland">Bundesland / Bundesstaat</label><input id="bundesland" name="bundesland"></div>
  <div class="zeile"><label for="land">Land</label><select id="land" name="land">{land}</select></div>
  <div class="zeile"><label for="telefon">Telefon *</label><input id="telefon" name="telefon" type="tel" required></div>
  <div class="zeile"><label for="email">E-Mail *</label><input id="email" name="email" type="email" required></div>
  <div class="zeile"><label for="webseite">Webseite</label><input id="webseite" name="webseite" type="url"></div>
  <div class="zeile zusatzfeld"><label for="homepage">Homepage</label><input id="homepage" name="homepage" autocomplete="off"></div>
  <div class="zeile"><label for="kategorie">Kategorie</label><select id="kategorie" name="kategorie">{options(self.KATEGORIEN, "Bitte wählen")}</select></div>
  <div class="zeile"><label for="beschreibung">Beschreibung</label><textarea id="beschreibung" name="beschreibung" maxlength="1000" rows="6" cols="50"></textarea></div>
  <p><input type="checkbox" id="agb" name="agb" value="ja"> <label for="agb">Ich akzeptiere die AGB und die Datenschutzerklärung *</label></p>
  <p><input type="checkbox" id="newsletter" name="newsletter" value="1"> <label for="newsletter">Ja, ich möchte den Newsletter erhalten</label></p>
  <button type="submit">Eintrag kostenlos absenden</button>
</form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        number, street = street_parts(profile)
        return {
            "firmenname": val(profile, "business_name"), "ansprechpartner": val(profile, "contact_name"),
            "strasse": street, "hausnummer": number, "adresszusatz": val(profile, "address_line2"),
            "plz": val(profile, "postal_code"), "ort": val(profile, "city"), "bundesland": val(profile, "state"),
            "land": country_value(profile), "telefon": val(profile, "phone"), "email": val(profile, "email"),
            "webseite": val(profile, "website"), "homepage": "",
            "kategorie": category_value(profile, cls.CATEGORY_TABLE), "beschreibung": description(profile, 1000),
            "agb": "ja",
        }


class AnnuairePro(Site):
    """French: labels by aria-labelledby, first/last name, a lowercase country code, optgroup categories.

    Rules: prenom/nom from the contact name; complement = address_line2; pays "us"; categorie
    "alim-boulangerie" (Boulangerie-Pâtisserie); description maxlength 600; cgu has no value
    attribute (posts "on"); lettre (newsletter) left. Pending-validation page.
    """

    id = "annuairepro"
    name = "Annuaire Pro France"
    lang = "fr"
    tier = 2
    domain_authority = 44
    behaviours = ("language:fr", "names:camelCase", "labels:aria-labelledby", "split:name", "select:country",
                  "select:optgroups", "select:category-wording", "checkbox:terms", "checkbox:newsletter",
                  "validation:maxlength-html", "validation:server", "result:pending-review")
    messages = FR_MESSAGES
    core_fields = {"name": ("raisonSociale", "Raison sociale"), "email": ("courriel", "Courriel"),
                   "phone": ("telephone", "Téléphone"), "website": ("siteWeb", "Site web")}
    required = {"pays": "Pays"}
    max_lengths = {"description": ("Description", 600)}
    terms_fields = {"cgu": "conditions générales d'utilisation"}
    CATEGORIES = [
        ("Alimentation", [("alim-boulangerie", "Boulangerie-Pâtisserie"), ("alim-restaurant", "Restaurant"),
                          ("alim-cafe", "Café, salon de thé")]),
        ("Commerce", [("com-detail", "Commerce de détail")]),
        ("Services", [("srv-sante", "Santé"), ("srv-maison", "Artisans & maison"),
                      ("srv-juridique", "Juridique & comptable"), ("srv-auto", "Automobile"),
                      ("srv-info", "Informatique")]),
        ("Autres", [("autre", "Autre activité")]),
    ]
    CATEGORY_TABLE = {"bakery": "alim-boulangerie", "restaurant": "alim-restaurant", "cafe": "alim-cafe",
                      "retail": "com-detail", "health": "srv-sante", "home": "srv-maison", "legal": "srv-juridique",
                      "auto": "srv-auto", "tech": "srv-info", "other": "autre"}
    css = ("body{font-family:'Trebuchet MS',sans-serif;background:#eef2f7;color:#1d2a44}"
           ".carte{max-width:680px;margin:30px auto;background:#fff;border-radius:8px;padding:24px 32px}"
           ".champ{display:grid;grid-template-columns:200px 1fr;margin:10px 0}.lib{font-weight:600}"
           "button{background:#0055a4;color:#fff;border:0;border-radius:4px;padding:10px 18px}")

    async def form_page(self, request: Request) -> Response:
        def champ(ident: str, label: str, control: str) -> str:
            return f"<div class='champ'><span class='lib' id='lib-{ident}'>{label}</span>{control}</div>"

        def saisie(ident: str, label: str, name: str, extra: str = "") -> str:
            return champ(ident, label, f"<input name='{name}' aria-labelledby='lib-{ident}'{extra}>")

        rows = "".join([
            saisie("rs", "Raison sociale *", "raisonSociale", " required"),
            saisie("pn", "Prénom", "prenom"), saisie("nm", "Nom", "nom"),
            saisie("ml", "Courriel *", "courriel", " type='email' required"),
            saisie("sw", "Site web", "siteWeb", " type='url'"),
            saisie("tl", "Téléphone *", "telephone", " type='tel' required"),
            saisie("ad", "Adresse", "adresse"), saisie("cp", "Complément d'adresse", "complement"),
            saisie("cd", "Code postal", "codePostal"), saisie("vl", "Ville", "ville"),
            champ("py", "Pays *", "<select name='pays' aria-labelledby='lib-py' required>"
                  f"{country_options('fr', value='lower', placeholder='Choisir un pays')}</select>"),
            champ("ct", "Catégorie", "<select name='categorie' aria-labelledby='lib-ct'>"
                  f"{optgroups(self.CATEGORIES, 'Choisir une catégorie')}</select>"),
            champ("ds", "Description de l'activité", "<textarea name='description' aria-labelledby='lib-ds' "
                  "maxlength='600' rows='5'></textarea>"),
        ])
        return self.page("Inscrire mon entreprise – Annuaire Pro France", f"""
<div class="carte"><h1>Inscrire mon entreprise</h1>
<form method="post" action="{self.submission_path}">
  {rows}
  <p><label><input type="checkbox" name="cgu" required> J'accepte les conditions générales d'utilisation</label></p>
  <p><label><input type="checkbox" name="lettre" value="oui"> Je souhaite recevoir la lettre d'information</label></p>
  <button type="submit">Envoyer ma fiche</button>
</form></div>""")

    result_page = ("Fiche reçue – Annuaire Pro France",
                   "<div class='carte'><h1>Merci !</h1><p>Votre fiche "
                   "a bien été reçue. Elle est en attente de validation par notre équipe.</p></div>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "raisonSociale": val(profile, "business_name"), "prenom": val(profile, "contact_first_name"),
            "nom": val(profile, "contact_last_name"), "courriel": val(profile, "email"),
            "siteWeb": val(profile, "website"), "telephone": val(profile, "phone"),
            "adresse": val(profile, "address_line1"), "complement": val(profile, "address_line2"),
            "codePostal": val(profile, "postal_code"), "ville": val(profile, "city"),
            "pays": country_value(profile, "lower"), "categorie": category_value(profile, cls.CATEGORY_TABLE),
            "description": description(profile, 600), "cgu": "on",
        }


class GuiaEmpresas(Site):
    """Spanish: placeholder-only labels, a country-prefix select + digits-only phone, fetch submit.

    Rules: prefijo = calling code of the profile's country ("1" for US/CA); telefono digits only
    ("5125550142", pattern [0-9]{6,12}); estado = state text; categoria "panaderia";
    descripcion maxlength 250 (fit_text); acepto posts "si". Answers JSON, shown inline.
    """

    id = "guiaempresas"
    name = "Guía de Empresas"
    lang = "es"
    tier = 3
    domain_authority = 35
    behaviours = ("language:es", "names:camelCase", "names:foreign", "labels:placeholder", "split:phone",
                  "validation:phone-format", "select:category-wording", "checkbox:terms", "xhr",
                  "result:inline-message", "result:pending-review", "validation:maxlength-html", "validation:server")
    responds_json = True
    submission_routes = frozenset({("POST", "api/alta")})
    messages = ES_MESSAGES
    core_fields = {"name": ("nombreEmpresa", "Nombre de la empresa"), "email": ("correo", "Correo electrónico"),
                   "phone": ("telefono", "Teléfono"), "website": ("sitioWeb", "Sitio web")}
    required = {"prefijo": "Prefijo"}
    patterns = {"telefono": (r"[0-9]{6,12}", "El teléfono solo puede contener números, sin espacios ni guiones")}
    max_lengths = {"descripcion": ("Descripción", 250)}
    terms_fields = {"acepto": "los términos y condiciones"}
    success_message = "¡Gracias! Hemos recibido tu empresa. Está pendiente de revisión y se publicará en 48 horas."
    PREFIJOS = [("34", "+34 España"), ("1", "+1 EE. UU. / Canadá"), ("52", "+52 México"), ("44", "+44 Reino Unido")]
    CALLING_CODES = {"ES": "34", "US": "1", "CA": "1", "MX": "52", "GB": "44"}
    CATEGORIAS = [("panaderia", "Panaderías y pastelerías"), ("restaurante", "Restaurantes"),
                  ("cafeteria", "Cafeterías"), ("tienda", "Tiendas y comercios"), ("salud", "Salud"),
                  ("hogar", "Hogar y reformas"), ("abogados", "Abogados y asesorías"), ("taller", "Talleres"),
                  ("informatica", "Informática"), ("otros", "Otros")]
    CATEGORY_TABLE = {"bakery": "panaderia", "restaurant": "restaurante", "cafe": "cafeteria", "retail": "tienda",
                      "health": "salud", "home": "hogar", "legal": "abogados", "auto": "taller",
                      "tech": "informatica", "other": "otros"}
    css = ("body{font-family:Verdana,sans-serif;background:#fff7ed}.tarjeta{max-width:560px;margin:24px auto;"
           "background:#fff;border-top:6px solid #c2410c;padding:20px;box-shadow:0 2px 8px #0002}"
           "input,select,textarea{display:block;width:100%;margin:8px 0;padding:8px;box-sizing:border-box}"
           ".tel{display:flex;gap:8px}.tel select{width:40%}#resultado{margin-top:12px}"
           ".ok{color:#166534}.mal{color:#b91c1c}")

    def routes(self):  # type: ignore[override]
        return {**super().routes(), ("POST", "api/alta"): self.handle_post}

    async def form_page(self, request: Request) -> Response:
        return self.page("Da de alta tu empresa gratis", f"""
<div class="tarjeta"><h1>Da de alta tu empresa</h1>
<form id="alta" novalidate>
  <input name="nombreEmpresa" placeholder="Nombre de la empresa *">
  <input name="sitioWeb" placeholder="Sitio web (https://...)">
  <input name="correo" type="email" placeholder="Correo electrónico *">
  <div class="tel"><select name="prefijo">{options(self.PREFIJOS, "Prefijo")}</select>
    <input name="telefono" placeholder="Teléfono (solo números) *" inputmode="numeric" pattern="[0-9]{{6,12}}"></div>
  <input name="direccion" placeholder="Dirección">
  <input name="ciudad" placeholder="Ciudad">
  <input name="estado" placeholder="Estado / Provincia">
  <input name="codigoPostal" placeholder="Código postal">
  <select name="categoria">{options(self.CATEGORIAS, "Categoría")}</select>
  <textarea name="descripcion" maxlength="250" placeholder="Describe tu negocio (máx. 250 caracteres)"></textarea>
  <label><input type="checkbox" name="acepto" value="si" style="display:inline;width:auto"> Acepto los términos y condiciones</label>
  <button type="submit">Enviar</button>
</form>
<div id="resultado" aria-live="polite"></div></div>
<script>
document.getElementById('alta').addEventListener('submit', async (ev) => {{
  ev.preventDefault();
  const out = document.getElementById('resultado');
  out.textContent = 'Enviando…';
  const res = await fetch('{self.base}/api/alta', {{method: 'POST', body: new FormData(ev.target)}});
  let data = {{}};
  try {{ data = await res.json(); }} catch (e) {{ data = {{ok: false, error: 'Error del servidor (' + res.status + ')'}}; }}
  if (data.ok) {{
    out.innerHTML = '<p class="ok" role="status"></p>'; out.firstChild.textContent = data.message;
    ev.target.style.display = 'none';
  }} else {{
    const msgs = data.errors || [data.error];
    out.innerHTML = '<ul class="mal" role="alert">' + msgs.map(m => '<li></li>').join('') + '</ul>';
    out.querySelectorAll('li').forEach((li, i) => li.textContent = msgs[i]);
  }}
}});
</script>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "nombreEmpresa": val(profile, "business_name"), "sitioWeb": val(profile, "website"),
            "correo": val(profile, "email"), "prefijo": cls.CALLING_CODES.get(country_value(profile), ""),
            "telefono": phone_digits(profile), "direccion": val(profile, "address_line1"),
            "ciudad": val(profile, "city"), "estado": val(profile, "state"),
            "codigoPostal": val(profile, "postal_code"), "categoria": category_value(profile, cls.CATEGORY_TABLE),
            "descripcion": description(profile, 250), "acepto": "si",
        }


class KatalogFirm(Site):
    """Polish: wrapping labels, kebab-case names, numeric country codes preset to Poland, a zero-size honeypot.

    Rules: osoba-kontaktowa = contact name; ulica = address_line1; kraj = ISO numeric ("840",
    the preset "616" must be changed); kategoria "17" (Piekarnie i cukiernie); slowa-kluczowe =
    keywords joined by ", "; opis limited to 2000 server-side; regulamin posts "tak";
    zgoda-marketingowa left; honeypot "telefon-komorkowy" (zero-size wrapper) empty.
    """

    id = "katalogfirm"
    name = "Katalog Firm Polska"
    lang = "pl"
    tier = 3
    domain_authority = 31
    behaviours = ("language:pl", "names:kebab-case", "names:foreign", "labels:wrapping", "select:country",
                  "select:category-wording", "checkbox:terms", "checkbox:newsletter", "honeypot:zero-size",
                  "validation:server", "result:pending-review")
    honeypot_fields = ("telefon-komorkowy",)
    messages = PL_MESSAGES
    core_fields = {"name": ("nazwa-firmy", "Nazwa firmy"), "email": ("e-mail", "E-mail"),
                   "phone": ("telefon", "Telefon"), "website": ("strona-www", "Strona WWW")}
    required = {"kraj": "Kraj"}
    max_lengths = {"opis": ("Opis", 2000)}
    terms_fields = {"regulamin": "regulamin serwisu"}
    KATEGORIE = [("17", "Piekarnie i cukiernie"), ("12", "Restauracje"), ("13", "Kawiarnie"), ("20", "Sklepy"),
                 ("31", "Zdrowie i uroda"), ("40", "Usługi dla domu"), ("52", "Prawo i finanse"),
                 ("60", "Motoryzacja"), ("70", "Informatyka"), ("99", "Inne")]
    CATEGORY_TABLE = {"bakery": "17", "restaurant": "12", "cafe": "13", "retail": "20", "health": "31",
                      "home": "40", "legal": "52", "auto": "60", "tech": "70", "other": "99"}
    css = ("body{font:15px Tahoma,sans-serif;background:#fafafa}.ramka{max-width:600px;margin:20px auto;"
           "border:1px solid #c00;padding:16px 24px;background:#fff}label.pole{display:block;margin:10px 0}"
           "label.pole input,label.pole select,label.pole textarea{display:block;width:95%}"
           ".pole-x{display:block;width:0;height:0;overflow:hidden}h1{color:#c00}")

    async def form_page(self, request: Request) -> Response:
        kraj = country_options("pl", value="numeric", placeholder="wybierz").replace("value='616'",
                                                                                       "value='616' selected")
        return self.page("Dodaj firmę do katalogu", f"""
<div class="ramka"><h1>Dodaj firmę za darmo</h1>
<form method="post" action="{self.submission_path}">
  <label class="pole">Nazwa firmy* <input name="nazwa-firmy" required></label>
  <label class="pole">Imię i nazwisko osoby kontaktowej <input name="osoba-kontaktowa"></label>
  <label class="pole">E-mail* <input name="e-mail" type="email" required></label>
  <label class="pole">Telefon* <input name="telefon" required></label>
  <label class="pole pole-x">Telefon komórkowy <input name="telefon-komorkowy" autocomplete="off"></label>
  <label class="pole">Strona WWW <input name="strona-www"></label>
  <label class="pole">Ulica i numer <input name="ulica"></label>
  <label class="pole">Kod pocztowy <input name="kod-pocztowy"></label>
  <label class="pole">Miasto <input name="miasto"></label>
  <label class="pole">Kraj* <select name="kraj">{kraj}</select></label>
  <label class="pole">Kategoria <select name="kategoria">{options(self.KATEGORIE, "wybierz kategorię")}</select></label>
  <label class="pole">Słowa kluczowe (oddzielone przecinkami) <input name="slowa-kluczowe"></label>
  <label class="pole">Opis działalności <textarea name="opis" rows="6"></textarea></label>
  <label><input type="checkbox" name="regulamin" value="tak"> Akceptuję regulamin serwisu*</label><br>
  <label><input type="checkbox" name="zgoda-marketingowa" value="tak"> Zgoda na otrzymywanie informacji handlowych</label>
  <p><button type="submit">Dodaj firmę</button></p>
</form></div>""")

    result_page = ("Dziękujemy",
                   "<div class='ramka'><h1>Dziękujemy!</h1><p>Wpis został przyjęty i "
                   "oczekuje na moderację.</p></div>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "nazwa-firmy": val(profile, "business_name"), "osoba-kontaktowa": val(profile, "contact_name"),
            "e-mail": val(profile, "email"), "telefon": val(profile, "phone"), "telefon-komorkowy": "",
            "strona-www": val(profile, "website"), "ulica": val(profile, "address_line1"),
            "kod-pocztowy": val(profile, "postal_code"), "miasto": val(profile, "city"),
            "kraj": country_value(profile, "numeric"), "kategoria": category_value(profile, cls.CATEGORY_TABLE),
            "slowa-kluczowe": val(profile, "keywords"), "opis": description(profile, 2000), "regulamin": "tak",
        }


class FirmenSued(Site):
    """German, already lists the sample business: the same name + phone is refused as a duplicate.

    Rules: inhaber = contact name; strasse_hnr = address_line1; branche = the profile's category
    text. The record shows `refused` (duplicate listing); a correct runner ends `skipped`.
    """

    id = "firmensued"
    name = "Firmenverzeichnis Süd"
    lang = "de"
    tier = 3
    domain_authority = 28
    expected_status = "skipped"
    behaviours = ("language:de", "names:foreign", "labels:for", "duplicate", "validation:server",
                  "result:redirect-thanks")
    preexisting_listings = ((SAMPLE_PROFILE.business_name, SAMPLE_PROFILE.phone or ""),
                            ("Metzgerei Huber", "+49 89 1234567"))
    messages = DE_MESSAGES
    core_fields = {"name": ("unternehmen", "Unternehmen"), "phone": ("telefonnummer", "Telefonnummer"),
                   "email": ("email", "E-Mail")}
    duplicate_message = "Dieser Betrieb ist bereits eingetragen. Jedes Unternehmen kann nur einmal gelistet werden."
    thanks_html = "<h1>Danke!</h1><p>Ihr Eintrag ist eingegangen.</p>"
    css = ("body{font-family:Georgia,serif;background:#fff;margin:40px}dl{display:grid;grid-template-columns:"
           "220px 300px;row-gap:10px}dt{font-weight:bold}h1{color:#2f5d1e;border-bottom:3px double #2f5d1e}")

    async def form_page(self, request: Request) -> Response:
        rows = [("unternehmen", "Unternehmen"), ("inhaber", "Inhaber/in"), ("strasse_hnr", "Straße und Hausnummer"),
                ("plz", "Postleitzahl"), ("ort", "Ort"), ("telefonnummer", "Telefonnummer"),
                ("email", "E-Mail-Adresse"), ("internet", "Internetadresse"), ("branche", "Branche")]
        dl = "".join(f"<dt><label for='fs-{n}'>{label}</label></dt><dd><input id='fs-{n}' name='{n}'></dd>"
                     for n, label in rows)
        return self.page("Neuen Betrieb eintragen – Firmenverzeichnis Süd", f"""
<h1>Firmenverzeichnis Süd</h1><p>Tragen Sie Ihren Betrieb kostenlos ein.</p>
<form method="post" action="{self.submission_path}"><dl>{dl}</dl>
<input type="submit" value="Eintragen"></form>""")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "unternehmen": val(profile, "business_name"), "inhaber": val(profile, "contact_name"),
            "strasse_hnr": val(profile, "address_line1"), "plz": val(profile, "postal_code"),
            "ort": val(profile, "city"), "telefonnummer": val(profile, "phone"), "email": val(profile, "email"),
            "internet": val(profile, "website"), "branche": val(profile, "category"),
        }


class RepertoireQC(Site):
    """French (Québec): only businesses located in Québec; others are refused with the site's message.

    Rules: province = the profile's state text ("TX"); pays = ISO code ("US"); conditions posts
    "oui". The record shows `refused`; a correct runner ends `rejected`.
    """

    id = "repertoireqc"
    name = "Répertoire des entreprises du Québec"
    lang = "fr"
    tier = 3
    domain_authority = 26
    expected_status = "rejected"
    behaviours = ("language:fr", "names:foreign", "labels:wrapping", "select:country", "checkbox:terms",
                  "refusal", "validation:server")
    messages = FR_MESSAGES
    core_fields = {"name": ("entreprise", "Nom de l'entreprise"), "email": ("courriel", "Courriel"),
                   "phone": ("tel", "Téléphone")}
    required = {"pays": "Pays"}
    terms_fields = {"conditions": "conditions d'utilisation"}
    PAYS = [("CA", "Canada"), ("US", "États-Unis"), ("FR", "France"), ("ZZ", "Autre")]
    css = ("body{font-family:'Segoe UI',sans-serif;background:#003da5;color:#fff}main{max-width:560px;margin:30px "
           "auto;background:#fff;color:#111;padding:24px}label{display:block;margin:8px 0}"
           "label input,label select{display:block;width:100%}.fleur{font-size:28px}")

    async def form_page(self, request: Request) -> Response:
        return self.page("Inscription – Répertoire des entreprises du Québec", f"""
<main><p class="fleur">&#9884;</p><h1>Inscrire votre entreprise</h1>
<p>Le répertoire est réservé aux entreprises établies au Québec.</p>
<form method="post" action="{self.submission_path}">
  <label>Nom de l'entreprise <input name="entreprise" required></label>
  <label>Courriel <input name="courriel" type="email" required></label>
  <label>Téléphone <input name="tel" required></label>
  <label>Site Web <input name="site"></label>
  <label>Adresse <input name="adresse"></label>
  <label>Ville <input name="ville"></label>
  <label>Province / État <input name="province"></label>
  <label>Pays <select name="pays" required>{options(self.PAYS, "Sélectionnez")}</select></label>
  <label style="display:inline"><input type="checkbox" name="conditions" value="oui" style="display:inline;width:auto">
    J'accepte les conditions d'utilisation</label>
  <p><button type="submit">S'inscrire</button></p>
</form></main>""")

    def refuse(self, fields: dict[str, Any]) -> str | None:
        province = str(fields.get("province", "")).strip().lower()
        if fields.get("pays") != "CA" or province not in ("qc", "québec", "quebec"):
            return "Désolé, seules les entreprises situées au Québec peuvent s'inscrire au répertoire."
        return None

    def refusal_response(self, request: Request, reason: str) -> Response:
        return self.page("Inscription refusée", f"<main><h1>Inscription refusée</h1><div class='error' "
                         f"role='alert'>{html.escape(reason)}</div></main>")

    @classmethod
    def expected_fields(cls, profile: BusinessProfile) -> dict[str, Any]:
        return {
            "entreprise": val(profile, "business_name"), "courriel": val(profile, "email"),
            "tel": val(profile, "phone"), "site": val(profile, "website"), "adresse": val(profile, "address_line1"),
            "ville": val(profile, "city"), "province": val(profile, "state"), "pays": country_value(profile),
            "conditions": "oui",
        }


SITES: list[type[Site]] = [Branchenbuch, AnnuairePro, GuiaEmpresas, KatalogFirm, FirmenSued, RepertoireQC]
