"""Heuristic field classification: autocomplete tokens, multilingual synonyms, input types.

Each field is read through several text sources (label, aria-label, name/id tokens,
placeholder, title, the text just before it, ...). Every source is matched against an
ordered list of rules (most specific first: "confirm e-mail" before "e-mail", "company
phone" before "company"); a source votes for its first matching rule with the source's
weight, and the best-supported key wins. Rules are synonyms in the languages directory
forms come in (en, de, fr, es, pt, it, nl, pl, ru, da/no/sv, cs/sk, hu, tr, ...), in the
manner of browser autofill heuristics; none names a particular site.

Some rules decide "not a profile field" (a search box, a birth date, a card number, a
comment box): those yield `unknown`, so a synonym elsewhere in the field cannot drag
it onto a profile key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from dirbolt_core.brain.model import FormField
from dirbolt_core.brain.places import list_kind
from dirbolt_core.vocabulary import PROFILE_KEYS as _PROFILE_KEYS

# HTML autocomplete tokens (WHATWG) -> canonical key.
AUTOCOMPLETE = {
    "organization": "business_name",
    "url": "website",
    "email": "email",
    "tel": "phone",
    "tel-national": "phone",
    "tel-country-code": "phone",
    "tel-area-code": "phone",
    "tel-local": "phone",
    "tel-local-prefix": "phone",
    "tel-local-suffix": "phone",
    "street-address": "address_line1",
    "address-line1": "address_line1",
    "address-line2": "address_line2",
    "address-level2": "city",
    "address-level1": "state",
    "postal-code": "postal_code",
    "country": "country",
    "country-name": "country",
    "name": "contact_name",
    "given-name": "contact_first_name",
    "family-name": "contact_last_name",
    "organization-title": "contact_title",
    "username": "username",
    "new-password": "password",
    "current-password": "password",
    "one-time-code": "captcha",
    "bday": "unknown",
    "bday-day": "unknown",
    "bday-month": "unknown",
    "bday-year": "unknown",
    "sex": "unknown",
    "cc-name": "unknown",
    "cc-number": "unknown",
    "cc-exp": "unknown",
    "cc-csc": "unknown",
}

# Keys that only a bare word decided ("Name", "Nom"): the form's other fields settle them.
BARE_NAME = "_name"

_RULES: list[tuple[str, str]] = [
    # --- traps and machine checks first: their words must win over any synonym
    ("honeypot", r"honey ?pot|\bhoney\w*|\bhpot\b|\bhp\b|ohnohoney|bot ?(test|trap|check|field)\w*|spam ?trap|"
     r"leave (this |it )?(field |input |box )?(blank|empty|untouched)|(should|must) (be )?(left|remain|stay) "
     r"(blank|empty|un\w+)|for validation purposes|do not (fill|enter|change|type)|don'?t (fill|enter|type)|"
     r"not (be )?filled|if you are (a )?human|humans? (should|must) not|nicht ausfüllen|leer lassen|"
     r"no rellenar|dejar en blanco|ne pas remplir|laisser vide|lasciare vuoto|non compilare|niet invullen|"
     r"nie wypełniaj|не заполняйте|ikke udfyld|lad (dette|feltet) (være )?tomt"),
    ("captcha", r"captcha|recaptcha|turnstile|security ?(code|check|image)|verification ?code|"
     r"verify ?code|confirmation ?code|type (in )?the (characters|letters|code|text|word)|characters "
     r"(you see|shown|in the)|code (shown|you see|in the (image|picture))|(image|picture) (code|text)|"
     r"anti[- ]?(spam|robot|bot)\w*|spam ?(check|protection|question|control)|human ?(verification|check|test)|"
     r"are you (a )?(human|robot)|not a robot|human verify|humanverify|what is \d+|how much is \d+|"
     r"\d+ ?[-+x*=] ?\d*\s*=|\d+ (plus|minus|times|and) \d+|sum of|\bsolve\b|\bmath\b|"
     r"kod z obrazka|przepisz kod|kod (weryfikacyjny|zabezpieczaj)|código de (seguridad|verificación|segurança)|"
     r"sicherheits(code|abfrage)|prüf(code|summe)|bestätigungscode|spamschutz|"
     r"code de (sécurité|vérification)|codice (di sicurezza|di verifica)|controllo antispam|"
     r"kontrolní kód|ellenőrző kód|biztonsági kód|kontrolkode|sikkerhedskode|"
     r"код (с картинки|подтверждения|проверки|с изображения|безопасности)|защитный код|проверочный код|"
     r"защита от (спама|роботов)|введите (эти |этот )?(код|символы|цифры|буквы)|"
     r"\bkaptcha\b|\bcapcha\b|\bcaptha\b|\bantibot\b|\bcptch\w*|\bsec ?code\b|\bhuman\b"),
    # a founding date says "date" too: it is the year founded, not a date to leave alone
    ("year_founded", r"\b(date|year|day) (founded|established|started|of (foundation|founding|establishment|"
     r"incorporation))|\bfounding (date|year)|\b(founded|established|incorporated) (in|on|date|year)\b"),
    # --- not profile fields: these words settle a field as "leave it alone"
    ("unknown", r"birth|\bdob\b|\bbday\b|geburt|naissance|nacimiento|nascita|urodzeni|рождени|fødsels|"
     r"\bgender\b|\bsex\b|geschlecht|\bsexe\b|\bsexo\b|\bpłeć\b|\bпол\b|køn|"
     r"card ?(number|holder|no)|credit ?card|\bcvv\d?\b|\bcvc\b|\bccv\b|\bexpir\w*|"
     r"coupon|promo ?code|promotional code|voucher|referr\w*|invit\w*|gift ?card|"
     r"remember (me|my)|keep me (logged|signed)|stay (logged|signed)|angemeldet bleiben|"
     r"se souvenir|recordar(me)?|ricordami|zapamiętaj|запомнить|husk mig|"
     r"middle ?name|\bmiddle\b|\binitials?\b|\bsalutation\b|\banrede\b|\bcivilit\w*|"
     r"\bquantity\b|\bqty\b|\bsubject\b|\bbetreff\b|\bobjet\b|\basunto\b|\btemat\b|\bтема\b|"
     r"time ?zone|\bdst\b|daylight|security question|secret question|\bext\b|\bextension\b|"
     r"\bhow did you (hear|find)|\bheard about\b|"
     r"\bavatar\b|\bphoto\b|\bpicture\b|\bupload\b|\battach\w*|\bsms code\b|"
     r"\bsort\w*|\border ?by\b|\bper ?page\b|\bstyle\b|\blanguage\b|\bsprache\b|\blangue\b|\bidioma\b|"
     r"\bcurrency\b|\bsize\b|\bcolou?r\b|\bage\b|\bdate\b|\bday\b|\bmonth\b|\bdatum\b|\bfecha\b|"
     r"\bjour\b|\bmois\b|\bгод\b|\bдень\b|\bмесяц\b|\blat\b|\blon\b|\blng\b|latitude|longitude|"
     r"coordinates|отчество|patronymic|p\.? ?o\.? ?box|\bpostfach\b|apartado postal|skrytka|"
     r"tax ?(id|number|no)|\bvat\b|\bein\b|\bnip\b|\bregon\b|\bkrs\b|siret|siren|\bust ?id|steuernummer|"
     r"\bcif\b|\bnif\b|registration (number|no)|company (number|no|reg\w*)|handelsregister|\babn\b|\bduns\b|"
     r"license (number|no)|licen[cs]e"),
    ("password_confirm", r"(confirm|repeat|retype|re-?type|re-?enter|verify|verification|again|second|"
     r"wiederhol|bestätig|erneut|powt[oó]rz|potwierd|confirme|confirmer|confirmar|ripeti|conferma|"
     r"повтор|подтвер|gentag|bekræft|bevestig|herhaal|onayla|tekrar|zopakuj|potvrď|potvrzení|megerősít|"
     r"újra)\w* ?(your |the |new |)?(pass|pw|parol|contrase|senha|kennwort|hasł|пароль|adgangskode|"
     r"wachtwoord|şifre|heslo|jelszó|mot de passe)\w*|"
     r"(pass ?(word)?|passwd|pwd|pw|kennwort|passwort|hasło|haslo|contraseña|senha|пароль|adgangskode|"
     r"wachtwoord|şifre|heslo|jelszó|mot de passe) ?(\w+ )?(confirm\w*|again|repeat|verif\w*|check|match|"
     r"copy|2|bis|wiederholen|bestätigen|erneut|повтор\w*|ещ[её] раз|igen|gentag\w*|tekrar\w*|"
     r"újra|znovu|conf\w*)\b|"
     r"\bc ?pass\w*|\bpass ?conf\w*|\bpw ?2\b|\bpwd ?2\b|\bpass ?2\b|\bre ?pass\w*|\bpassword ?2\b|"
     r"\bpass\w* ?(c|cf|cnf)\b"),
    ("password", r"pass ?word|\bpasswd\b|\bpwd\b|\bpw\b|\bpass\b|kennwort|passwort|hasło|haslo|contraseña|"
     r"\bclave\b|mot de passe|\bmdp\b|\bsenha\b|пароль|\bheslo\b|\bparola\b|adgangskode|wachtwoord|"
     r"\bşifre|jelszó|\bsalasana\b|lösenord|passord"),
    ("email_confirm", r"(confirm|repeat|retype|re-?type|re-?enter|verify|again|second|wiederhol|bestätig|"
     r"erneut|powt[oó]rz|potwierd|confirme|confirmer|confirmar|ripeti|conferma|повтор|подтвер|gentag|"
     r"bekræft|bevestig|herhaal|onayla|tekrar|zopakuj|potvrď|megerősít|újra)\w* ?(your |the |)?"
     r"(e ?-?mail|correo|courriel|почт|mail)|"
     r"(e ?-?mail|correo|courriel|mail)( address| adresse?)? ?(confirm\w*|again|repeat|verif\w*|check|2|"
     r"bis|wiederholen|bestätigen|erneut|повтор\w*|igen|gentag\w*|conf)\b|"
     r"\bema(il)? ?2\b|\bconfirm ?email\b|\bemail ?confirm\w*\b|\bre ?email\b|\bemail ?again\b"),
    ("email", r"e[- ]?mail|\bmail\b|correo|courriel|почта|poczta|\bema\b|sähköposti|\bepost\b|"
     r"электронн\w* (почт|адрес)|\bmail ?address\b|\bemailaddress\b|\bemail\w*"),
    ("username", r"user ?name|user ?id|\buser\b|login ?(name|id)?\b|log ?in\b|\blog\b|benutzer\w*|"
     r"nazwa użytkownika|\blogin\b|usuario|identifiant|логин|\bпользовател\w*|brugernavn|gebruikersnaam|"
     r"nome utente|nom d'utilisateur|nombre de usuario|kullanıcı|felhasználó|uživatel|používateľ|brukernavn|"
     r"\bmember ?name\b|\baccount ?name\b|\bnick ?name\b|\bnick\b|screen ?name|display ?name|"
     r"\bpseudo\b|\bpseudonym\w*|\bник\b"),
    # consent boxes: terms and data-protection words first, then mailing consent, then bare consent
    ("terms_checkbox", r"\bterms\b|conditions|\btos\b|\btou\b|privacy|policy|guidelines|\brules\b|\beula\b|"
     r"datenschutz|\bagb\b|nutzungsbedingungen|regulamin|warunk\w*|términos|condiciones|\bcgu\b|\bcgv\b|"
     r"condizioni|termini|voorwaarden|betingelse\w*|vilkår|podmínk\w*|feltétel\w*|услови\w*|правил\w*|"
     r"\bконфиденциальн\w*|\bgdpr\b|\brodo\b|personal data|dane osobowe|danych osobowych|przetwarzan\w*|"
     r"données personnelles|datos personales|dati personali|personenbezogen\w*|персональн\w* данн\w*"),
    ("newsletter_checkbox", r"newsletter|news ?letter|subscribe|mailing ?list|e-?mail (updates|offers|news)|"
     r"special offers|promotion\w*|send me|keep me (informed|updated|posted)|\bnews\b|offers|"
     r"abonn\w*|рассылк\w*|подпис\w*|iscriviti|suscrib\w*|\bbolet\w*|nyhedsbrev|nieuwsbrief|nyhetsbrev|"
     r"biuletyn|informacj\w* handlow\w*|hírlevel\w*|\bupdates\b|marketing|"
     r"receive (\w+ )?(e-?mails?|messages|information|news|offers|communications?)|"
     r"(e-?mails?|messages) from|may (send|e-?mail) me|"
     r"allow \w+ to (e-?mail|contact)|dürfen mir|contact me|notify|notification|recevoir|receber|ricevere|"
     r"otrzymyw\w*|получать|новост\w*|modtage|zasílání|ok to (e[- ]?mail|contact)"),
    ("terms_checkbox", r"\bagree\w*|\baccept\w*|einverstanden|zustimm\w*|akceptuj\w*|zgod\w*|acepto|j'accepte|"
     r"accepte|согласен|accetto|\bakkoord\b|accepter\w*|súhlas\w*|souhlas\w*|elfogad\w*|\bkabul\b|"
     r"consent\w*|i have read|i've read|\bi (hereby )?(confirm|certify|declare|attest|affirm|acknowledge)\b|"
     r"\bauthori[sz]ed (to|representative)"),
    ("facebook_url", r"facebook|\bfb\b"),
    ("twitter_url", r"twitter|\bx\.com\b"),
    ("linkedin_url", r"linked ?in"),
    ("instagram_url", r"instagram|\binsta\b"),
    ("website", r"indirizzo (del )?sito|adresse (du )?site|dirección (del )?sitio|adres strony|адрес сайта|"
     r"web ?site|web ?address|web ?page|home ?page|\burl\b|\burl\w*|"
     r"sitio web|site web|site internet|strona (www|internetowa)|\bwww\b|webseite|internetseite|"
     r"internetadresse|сайт|página web|sito web|hjemmeside|\bwebsted\b|webstránka|weboldal|\bhttp\b"),
    ("fax", r"\bfax\w*|facsimile|telefax|факс"),
    ("address_line1", r"postal address|mailing address|postanschrift|adresse postale|dirección postal|"
     r"indirizzo postale|adres pocztowy|почтовый адрес"),
    ("postal_code", r"\bzip\w*|zip ?code|post ?code|postal|\bpostcode\b|\bplz\b|postleitzahl|kod pocztowy|"
     r"código postal|code postal|\bcp\b|индекс|\bcap\b|\bpsč\b|postnummer|postnr|irányítószám|"
     r"posta kodu|\bpin ?code\b|\bpincode\b|\beircode\b"),
    ("phone", r"international ?prefix|national ?prefix|calling code|dial(l?ing)? code|prefisso|vorwahl|"
     r"indicatif|prefijo|prefixo|numer kierunkowy|phone|\btel\b|"
     r"\btel\w*|\bmobile\b|\bmobil\w*|\bcell\w*|\bhandy\b|teléfono|téléphone|"
     r"телефон|\bтел\b|contact ?(number|no)|\bmob\b|\bgsm\b|\bnumer (tel|kom)\w*|\bkomórk\w*|"
     r"\bcelular\b|\bmóvil\b|\bportable\b|\bcellulare\b|\btelefoon\b|\bnummer\b|\bphone ?number\b|"
     r"\barea ?code\b|\bdial\b"),
    ("city", r"\bcity\b|\btown\b|locality|\bort\b|\bwohnort\b|\bstadt\b|miasto|miejscowość|ciudad|"
     r"\bville\b|город|città|\bmesto\b|\bměsto\b|\bbynavn\b|\bplaats\b|\bwoonplaats\b|\bvaros\b|"
     r"\bváros\b|\bşehir\b|\bcidade\b|\blocalidad\b|\blocalité\b|\bcomune\b|населенн\w* пункт|\bpoblación\b|"
     r"\bsuburb\b"),
    ("state", r"\bstate\b|province|\bprov\b|\bregion\b|\bregión\b|\brégion\b|\bregione\b|county|"
     r"bundesland|województwo|provincia|estado|\bобласть\b|\bрегион\b|\bкрай\b|\bterritory\b|"
     r"\bdepartamento\b|\bdépartement\b|\bkanton\b|\bmegye\b"),
    ("country", r"country|\bland\b|\bnation\w*|\bkraj\b|país|\bpays\b|страна|paese|štát|\bstaat\b|"
     r"\bország\b|\bülke\b|\bkrajina\b|lieu de résidence|country of residence|place of residence"),
    ("address_line2", r"address ?(line)? ?2|\baddress2\b|\baddr ?2\b|apartment|suite|\bapt\b|\bunit\b|"
     r"\bstreet ?2\b|\bline ?2\b|adresszusatz|complément d'adresse|\bbuilding\b|\bfloor\b"),
    ("address_line1", r"address|street|\baddr\w*|anschrift|straße|strasse|\badres\w*|\bulica\b|dirección|"
     r"direccion|\badresse\b|\brue\b|адрес|indirizzo|\bulice\b|\bline ?1\b|\bgade\b|\bvej\b|\bstraat\b|"
     r"\bcím\b|\bendereço\b|\bmorada\b|\bcalle\b|\bhouse ?(number|no)\b|\bhausnummer\b|"
     r"\bstreet ?(number|name)\b|\blocation\b"),
    # search boxes and message boxes: after the places ("location search: city"), before names
    ("unknown", r"\bsearch\w*|\bquery\b|\bsuche\b|\bbuscar\b|\brecherche\b|\bcerca\b|\bszukaj\b|поиск|"
     r"\bzoek\w*|\bsøg\w*|\bkeresés\b|\bhledat\b|^q$|"
     r"\bcomments?\b|\bmessage\b|\bnachricht\b|\bkommentar\b|\bcommentaire\w*|\bcomentario\b|"
     r"\bmensaje\b|\bmessaggio\b|\bwiadomość\b|\bkomentarz\b|сообщени|комментари|\bbesked\b|"
     r"\bbemærkning\w*|\benquiry\b|\binquiry\b|\bfeedback\b|\byour question\b|\bnotes?\b"),
    ("website", r"\bsite\b|\bweb\b|\blink\b|\bblog\b|\bsito\b"),
    ("contact_name", r"full ?name|\bname of (the )?(contact|person|owner)|contact ?person|contact ?name|"
     r"(business|company) owner|"
     r"imię i nazwisko|nombre (y|e) apellidos?|nombre completo|nom complet|nome completo|nome e cognome|"
     r"\bф\.? ?и\.? ?о\b|\bфио\b|\bfio\b|vollständiger name|vor- und nachname|fulde navn|jméno a příjmení|"
     r"teljes név|ad soyad|voor- en achternaam|\bprénom et nom\b|\bnom et prénom\b|\bnom prénom\b"),
    ("contact_first_name", r"first ?name|given ?name|fore ?name|christian name|\bfname\b|\bfirst$|"
     r"\bf ?name\b|vorname|imię|\bimie\b|prénom|prenom|\bfornavn\b|voornaam|\bkeresztnév\b|\bkřestní\b|"
     r"\bprimeiro nome\b|\bnome próprio\b"),
    ("contact_last_name", r"last ?name|sur ?name|family ?name|\blname\b|\blast$|\bl ?name\b|nachname|"
     r"familienname|nazwisko|apellido\w*|\bnom de famille\b|фамили\w*|cognome|priezvisko|příjmení|"
     r"efternavn|achternaam|vezetéknév|\bsoyad\w*|sobrenome|\bapelido\b"),
    ("contact_title", r"job ?title|position|\brole\b|your title|designation|\bjob\b|\boccupation\b|"
     r"\bberuf\b|\bfunktion\b|\bstanowisko\b|\bcargo\b|\bpuesto\b|\bдолжность\b"),
    # what a business has (its description, category, hours...) before the business itself
    ("short_description", r"short ?desc\w*|tag ?line|slogan|summary|headline|one[- ]liner|brief desc\w*|"
     r"kurzbeschreibung|description courte|\bteaser\b"),
    ("description", r"descri\w*|about|tell (us|visitors|customers|people|guests|readers|clients)\b|"
     r"details about|\bbio\b|\bbiography\b|"
     r"overview|beschreibung|\bopis\w*|descripción|описани\w*|\bo (sobie|firmie)\b|\bо себе\b|"
     r"(company|business|your|firmen|unternehmens) ?profil\w*|^profil\w*$|"
     r"services offered|\babout ?me\b|\binteresse\w*|beskrivelse|omschrijving|leírás|popis|"
     r"\bintroduc\w*|\bpresentation\b|présentation|\bsignature\b"),
    ("category", r"categor\w*|industry|business type|(type|kind|sort) of (business|place|venue|shop|store|company)|"
     r"what (kind|type|sort) of|\bsector\b|branche|kategori\w*|"
     r"categoría|catégorie|категори\w*|\brubri\w*|\bniche\b|\bspecialt\w*"),
    ("keywords", r"keyword\w*|\btags?\b|schlagw\w*|słowa kluczowe|palabras clave|mots[- ]clés|"
     r"ключевые слова|parole chiave|søgeord|trefwoorden"),
    ("hours", r"\bhours\b|opening|business hours|öffnungszeiten|godziny otwarcia|horario|heures d'ouverture|"
     r"часы работы|\borari\b"),
    ("year_founded", r"year (founded|established|started)|\bfounded\b|\bestablished\b|\bsince\b|"
     r"gründungsjahr|année de création|año de fundación"),
    ("logo", r"\blogo\b"),
    ("business_name", r"business|company|organi[sz]ation|\borg\b|\bfirm\w*|\bempresa\b|entreprise|"
     r"société|societe|компани\w*|организаци\w*|azienda|listing ?(name|title)|\bbrand\b|store ?name|"
     r"shop ?name|\bvenue\b|\bbiz\b|nazwa firmy|\bfirma\b|unternehmen|practice ?name|\bcompany\w*|"
     r"\bbedrijf\w*|\bvirksomhed\w*|\bcég\w*|\bširket\w*|\bcompanhia\b|\borganisme\b|\binstitution\b|"
     r"\bemployer\b|\bnegocio\b|nombre comercial|\bnegócio\b|\bimpresa\b|"
     r"raison sociale|ragione sociale|nom commercial|razón social|trad(e|ing) ?name|doing business as|"
     r"\b(place|venue|spot|studio|shop|store|salon|restaurant) ?name\b|"
     r"(what'?s|what is) (your|the) (\w+ ){0,2}called\b"),
    # a bare word for "name": the form's other fields settle what it means
    (BARE_NAME, r"your name|\bihr name\b|\bvotre nom\b|\bsu nombre\b|\btu nombre\b|\bil tuo nome\b|"
     r"\bvostro nome\b|\bваше имя\b|\bdit navn\b|\btwoje imię\b|\bseu nome\b|\bname\b|\bnom\b|\bnome\b|"
     r"\bnombre\b|\bnavn\b|\bnaam\b|\bnév\b|\bjméno\b|\bmeno\b|\bимя\b|\bназвание\b|\bnazwa\b|\bisim\b"),
    ("contact_name", r"\bowner\b|\bauthor\b|\bcontact\b|\brepresentative\b|\bperson\b|\bansprechpartner\w*|"
     r"\binhaber\w*|propriétaire|propietario|właściciel\w*|titolare|eigenaar|\bdono\b|владел\w*"),
]
RULES: list[tuple[str, re.Pattern[str]]] = [(k, re.compile(p, re.IGNORECASE)) for k, p in _RULES]
_ONLY_HONEYPOT = frozenset({"honeypot"})
_ONLY_CAPTCHA = frozenset({"captcha"})
# The bare-consent rule ("I agree") is the last rule of the consent keys: it decides only alone.
_WEAK_CONSENT_RANK = max(i for i, (k, _) in enumerate(_RULES) if k == "terms_checkbox")

# Weight of a vote by where it was found.
SOURCE_WEIGHT = {
    "label": 0.92,
    "aria": 0.9,
    "name": 0.86,
    "data": 0.85,  # a data-* attribute naming the field (data-field, data-testid...): a name by another name
    "id": 0.84,
    "placeholder": 0.85,
    "title": 0.8,
    "nearby": 0.78,  # the text before a control (table cells, divs): a label in all but name when
    # short and alone (0.87); less when the control has a label of its own (0.58)
    "after": 0.8,  # checkboxes and radios: "[x] I agree to the terms"
    "value": 0.6,  # a prefilled value="Your e-mail" (old pages' placeholders)
    "section": 0.5,  # the fieldset legend: context more than label
    "hints": 0.5,  # wrapper class/id tokens
    "type": 0.8,  # the input type (tel, email, url) as one more voter
}
_TYPE_KEY = {"email": "email", "tel": "phone", "url": "website"}
# Keys that are a control's job, never a text box's.
_CHECK_KEYS = frozenset({"terms_checkbox", "newsletter_checkbox"})
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=\d)|(?<=\d)(?=[A-Za-z])")
_SEP = re.compile(r"[_\-\[\]\.:/$#|{}()@,;=+]+")
_NON_WORD_ONLY = re.compile(r"^[\W\d_]*$")


def tokens_of(name: str | None) -> str:
    """'biz[contact_firstName]' -> 'biz contact first name'; 'Address1' -> 'address 1'."""
    if not name:
        return ""
    return " ".join(_SEP.sub(" ", _CAMEL.sub(" ", name)).split()).lower()


@dataclass(frozen=True)
class Guess:
    key: str
    confidence: float
    source: str


def field_sources(field: FormField) -> dict[str, str]:
    name = tokens_of(field.name)
    ident = tokens_of(field.id)
    data = tokens_of(field.data_name)
    label = field.label or ""
    aria = field.aria_label or ""
    if aria and aria == label:
        aria = ""
    nearby = field.nearby_text or ""
    if nearby and (nearby == label or (not label and nearby == field.placeholder)):
        nearby = ""
    value = ""
    if field.type in ("text", "email", "tel", "url", "") and field.value and len(field.value) < 60:
        value = field.value
    return {
        "label": label,
        "aria": aria,
        "name": name,
        "id": ident if ident != name else "",
        "data": data if data not in (name, ident) else "",
        "placeholder": field.placeholder or "",
        "title": field.title or "",
        "after": field.text_after if field.type in ("checkbox", "radio") else "",
        "nearby": nearby,
        "value": value,
        "section": field.section or "",
        "hints": tokens_of(field.hints) if field.hints else "",
    }


def first_rule(text: str, allowed: frozenset[str] | set[str], *, human: bool = True) -> str | None:
    """The first (most specific) rule key that matches the text, among the allowed keys."""
    if not text or _NON_WORD_ONLY.match(text):
        return None
    return _first_rule(text[:300], allowed if isinstance(allowed, frozenset) else frozenset(allowed), human)


@lru_cache(maxsize=32768)
def _first_rule(text: str, allowed: frozenset[str], human: bool) -> str | None:
    for key, pattern in RULES:
        if key in allowed and pattern.search(text):
            if key in _CHECK_KEYS:
                return _consent_key(text)
            if key == BARE_NAME and not _is_bare_name(text):
                # "Property name", "Filter name" are not a person's; in a name attribute the
                # other word is as likely a prefix ("fm_name"), so it does not vote at all.
                return "unknown" if human and "unknown" in allowed else None
            return key
    return None


def _consent_key(text: str) -> str:
    """A consent box that names both the terms and the mailing list is about what it names first."""
    found = []
    for i, (key, pattern) in enumerate(RULES):
        if key in _CHECK_KEYS:
            m = pattern.search(text)
            if m:
                found.append((i, m.start(), key))
    strong = [f for f in found if f[0] < _WEAK_CONSENT_RANK]
    if strong:
        return min(strong, key=lambda f: f[1])[2]
    return found[0][2]


_NAME_FILLER = frozenset({
    "your", "the", "enter", "please", "name", "nom", "nome", "nombre", "navn", "naam", "név", "jméno", "meno",
    "имя", "название", "nazwa", "isim", "ваше", "votre", "su", "tu", "ihr", "il", "tuo", "vostro", "seu", "dit",
    "twoje", "imię", "de", "du", "of", "a", "real", "required", "optional", "obligatoire", "pflichtfeld",
    # whose name it is: a person's
    "billing", "shipping", "contact", "customer", "client", "member", "manager", "owner", "author", "person",
    "sender", "applicant", "reg", "register", "registration", "signup", "profile", "user", "account", "my",
    "con", "cust", "form", "field", "input", "txt", "text", "tb", "fld", "frm", "f", "id", "data", "new",
})
_WORDS = re.compile(r"[^\W\d_]+", re.UNICODE)


def _is_bare_name(text: str) -> bool:
    """'Name *', 'Your name', 'billing_name': a person's name; 'Property name', 'Filter name': not."""
    words = [w.lower() for w in _WORDS.findall(text)]
    return len(words) <= 6 and all(w in _NAME_FILLER for w in words)


def votes(field: FormField, allowed: frozenset[str] | set[str]) -> dict[str, tuple[float, str]]:
    """key -> (score, sources that voted for it). A source votes for its first matching rule."""
    sources = field_sources(field)
    has_label = bool(sources["label"] or sources["aria"])
    tally: dict[str, list[tuple[float, str]]] = {}
    for source, text in sources.items():
        if source in ("section", "hints"):
            continue
        key = first_rule(text, allowed, human=source not in ("name", "id", "data"))
        if key is None:
            continue
        weight = SOURCE_WEIGHT[source]
        if source == "nearby":
            if has_label:
                weight -= 0.2  # with a real label, the text before is the previous field's tail
            elif len(text) <= 40:
                weight = 0.87  # a short text right before an unlabelled box is its label
        tally.setdefault(key, []).append((weight, source))
    by_type = _TYPE_KEY.get(field.type)
    if by_type and by_type in allowed:
        tally.setdefault(by_type, []).append((SOURCE_WEIGHT["type"], "type"))
    by_mode = _TYPE_KEY.get((field.input_mode or "").strip().lower())
    if by_mode and by_mode in allowed and by_mode != by_type and field.type in ("text", ""):
        tally.setdefault(by_mode, []).append((SOURCE_WEIGHT["type"], "inputmode"))  # the keyboard it asks for
    shape = _placeholder_shape(field.placeholder)
    if shape and shape in allowed and is_text_box(field):
        tally.setdefault(shape, []).append((SOURCE_WEIGHT["placeholder"], "placeholder shape"))
    if is_text_box(field) or field.tag == "select":
        part = _DATE_PART.match(sources["label"] or sources["aria"])
        if part and "year_founded" in allowed and first_rule(field.section, {"year_founded"}):
            # "Year" of a group captioned "Date founded": the year founded; its month and day stay empty
            key = "year_founded" if part.group(1).lower() in ("year", "yyyy") else "unknown"
            tally.setdefault(key, []).append((SOURCE_WEIGHT["label"], "label+section"))
    if is_text_box(field) and "captcha" in allowed and first_rule(field.text_after, _ONLY_CAPTCHA):
        tally.setdefault("captcha", []).append((0.75, "after"))  # "type the code you see on the left"
    if is_text_box(field) and "captcha" in allowed and first_rule(tokens_of(field.image_before), _ONLY_CAPTCHA,
                                                                  human=False):
        tally.setdefault("captcha", []).append((0.88, "image"))  # the box under "/captcha/8626f.png"
    out: dict[str, tuple[float, str]] = {}
    for key, hits in tally.items():
        hits.sort(reverse=True)
        score = hits[0][0] + 0.04 * (len(hits) - 1)
        out[key] = (min(score, 0.96), "+".join(s for _, s in hits))
    return out


# What a placeholder's example looks like: "(555) 555-5555" is a phone number, "you@site.com" an e-mail.
_PHONE_SHAPE = re.compile(r"^\+?[\d\s().\-_x#]{7,22}$")
_EMAIL_SHAPE = re.compile(r"^[\w.+\-]+@[\w\-]+(\.[\w\-]+)+$")
_URL_SHAPE = re.compile(r"^(https?://|www\.)\S+$", re.IGNORECASE)
_DATE_PART = re.compile(r"^\W*(year|yyyy|month|mm|day|dd)\b\W*(\(?(optional|required)\)?)?\W*$", re.IGNORECASE)


def _placeholder_shape(placeholder: str | None) -> str | None:
    text = (placeholder or "").strip()
    if _EMAIL_SHAPE.match(text):
        return "email"
    if _URL_SHAPE.match(text):
        return "website"
    if _PHONE_SHAPE.match(text) and sum(c.isdigit() or c in "_x#" for c in text) >= 7:
        return "phone"
    return None


def classify(field: FormField) -> Guess:
    """The single best canonical key for a field, with a confidence and what decided it."""
    ftype = field.type
    sources = field_sources(field)
    if ftype in ("submit", "image") or (field.tag == "button" and field.widget is None
                                        and ftype not in ("button", "reset")):
        if first_rule(" ".join((sources["name"], field.label)), _ONLY_CAPTCHA):
            return Guess("captcha", 0.8, "button text")  # a "new captcha image" button
        return Guess("submit", 0.95, "type")
    if ftype == "button" and first_rule(" ".join((sources["name"], field.label)), _ONLY_CAPTCHA):
        return Guess("captcha", 0.8, "button text")
    if ftype == "button":
        text = " ".join((field.label, sources["name"]))
        if re.search(r"submit|send|register|sign ?up|continue|next|save|add|create|post|senden|envoyer|"
                     r"enviar|invia|wyślij|отправ|feedback|publish|join", text, re.IGNORECASE):
            return Guess("submit", 0.7, "button text")
        return Guess("unknown", 0.9, "type")
    if ftype == "hidden":
        # Never filled; but a hidden input behind a scripted checkbox still says what it is.
        key = first_rule(sources["name"], _CHECK_KEYS)
        return Guess(key, 0.5, "name") if key else Guess("unknown", 0.95, "type")
    if ftype == "reset":
        return Guess("unknown", 0.95, "type")
    if ftype == "file":
        return Guess("logo", 0.8, "label") if first_rule(field.label + " " + sources["name"], {"logo"}) \
            else Guess("unknown", 0.9, "type")
    allowed = allowed_keys(field)
    if not field.visible and field.hidden_scope == "control" and is_text_box(field):
        # A box a person cannot see but a bot would fill. (A hidden checkbox or select on its
        # own is a styled control or a conditional one: it is judged by its words.) A hidden
        # box with a label of its own naming a profile field and no trap word anywhere is a
        # field a script shows later ("Company name" once "business" is ticked): it keeps its
        # meaning, and the value helper gives no box a person cannot see a value.
        if not _shown_later(field.hidden_reason) or not (_labelled_profile_field(field, allowed)
                                                         or _introduced_profile_field(field, allowed)):
            return Guess("honeypot", 0.95, f"hidden:{field.hidden_reason}")
        guess = classify(field.model_copy(update={"visible": True, "hidden_scope": None, "hidden_reason": None}))
        if guess.key not in _PROFILE_KEYS and guess.key != BARE_NAME:
            return Guess("honeypot", 0.95, f"hidden:{field.hidden_reason}")
        return Guess(guess.key, min(guess.confidence, 0.8), f"{guess.source}+hidden:{field.hidden_reason}")
    # Trap words anywhere, including the wrappers' class names ("honeypot-textfield").
    for source in ("label", "placeholder", "nearby", "name", "data", "hints", "aria", "title"):
        if first_rule(sources[source], _ONLY_HONEYPOT):
            return Guess("honeypot", 0.93, f"{source}:trap words")
    if is_text_box(field) and first_rule(field.text_after, _ONLY_HONEYPOT):
        return Guess("honeypot", 0.9, "after:trap words")
    if field.tabindex is not None and field.tabindex < 0 and (field.autocomplete or "").lower() in ("off", "nope") \
            and field.tag == "input" and ftype in ("text", "email", "url", "tel", ""):
        return Guess("honeypot", 0.85, "tabindex=-1+autocomplete=off")
    listed = _list_kind(field)
    if listed and listed in allowed and "phone" not in votes(field, allowed):
        # A list of the world's countries is a country field whatever its label says (labels are
        # copied from the next field, "State" over a country list); a calling-code list is a phone's.
        return Guess(listed, 0.97, "options")
    if field.autocomplete:
        for token in field.autocomplete.lower().split():
            key = AUTOCOMPLETE.get(token)
            if key and (key in allowed or key == "unknown") and not _overruled(field, key, allowed):
                return Guess(key, 0.97, "autocomplete")
    tally = votes(field, allowed)
    if not tally:
        if ftype == "password":
            return Guess("password", 0.75, "type")
        weak = first_rule(sources["section"], allowed)
        if weak and weak not in ("unknown", BARE_NAME, "honeypot", "captcha"):
            return Guess(weak, 0.45, "section")
        if is_text_box(field) and "captcha" in allowed and _GENERATED_IMAGE.search(field.image_before):
            # Nothing names the box, and right before it is an image a server draws per visit
            # ("img.php?sid=..."): the code to copy from that image.
            return Guess("captcha", 0.7, "image")
        return Guess("unknown", 0.5, "none")
    key, (score, source) = max(tally.items(), key=lambda kv: (kv[1][0], -_rank(kv[0])))
    return Guess(key, score, source)


def _overruled(field: FormField, autocomplete_key: str, allowed: frozenset[str]) -> bool:
    """An autocomplete token copied from another field ("address-level2" on a box the label, the
    name and the id all call "State") loses to the page's own words when they all agree. Not
    "username": sign-in forms mark their e-mail box so, as the HTML standard advises."""
    if autocomplete_key == "username":
        return False
    key, (_, sources) = max(votes(field, allowed).items(), key=lambda kv: kv[1][0], default=(None, (0, "")))
    agreeing = set(sources.split("+")) - {"type"}  # words, not the input type (an e-mail box may be a username)
    return key != autocomplete_key and key in _PROFILE_KEYS and "label" in agreeing and len(agreeing) >= 3


def _list_kind(field: FormField) -> str | None:
    if field.tag != "select" and field.widget not in ("combobox", "listbox"):
        return None
    return list_kind([o.text for o in field.options if o.text])


_GENERATED_IMAGE = re.compile(r"^\S*(\?|\.(php|aspx?|ashx|jsp|cgi|pl)\b)", re.IGNORECASE)
_TOGGLE_CLASS = re.compile(r"(?:^|\s)(hidden|hide|d-none|none|display-none|is-hidden|u-hidden|collapse)(?:\s|$)",
                           re.IGNORECASE)
_TRAP_CLASS = re.compile(r"hp|honey|trap|bot|sr-only|visually|screen-reader|invisible", re.IGNORECASE)


def _shown_later(reason: str | None) -> bool:
    """Hidden the way a script hides a field it shows later: taken out of the page (display:none,
    the hidden attribute, a "hidden" class), not kept in it out of view (a honeypot's way)."""
    if not reason or reason.endswith(", out of view"):
        return False
    if reason.startswith("class "):
        return bool(_TOGGLE_CLASS.search(reason[6:])) and not _TRAP_CLASS.search(reason[6:])
    return reason in ("display:none", "hidden attribute", "inline style", "stylesheet class", "stylesheet id")


def _labelled_profile_field(field: FormField, allowed: frozenset[str]) -> bool:
    """A label of its own (for=, wrapping, aria-labelledby: not only an aria-label) naming a profile field."""
    label = field.label or ""
    if not label or label == (field.aria_label or ""):
        return False
    key = first_rule(label, allowed)
    return key in _PROFILE_KEYS or key == BARE_NAME


def _introduced_profile_field(field: FormField, allowed: frozenset[str]) -> bool:
    """No label element, but a short text right before the box and the box's own name say the same
    profile field ("Phone number" before `r_phone_n`): a field a script shows later, where a
    trap copies a name and has no words of its own in front of it."""
    text = field.nearby_text or ""
    if not text or len(text) > 40:
        return False
    key = first_rule(text, allowed)
    if key not in _PROFILE_KEYS:
        return False
    return key in (first_rule(tokens_of(field.name), allowed, human=False),
                   first_rule(tokens_of(field.id), allowed, human=False))


_RANK = {key: i for i, (key, _) in enumerate(_RULES)}
_EMAIL_KEYS = frozenset({"email", "email_confirm", "username", "captcha", "honeypot", "unknown"})
_URL_KEYS = frozenset({"website", "facebook_url", "twitter_url", "linkedin_url", "instagram_url", "logo",
                       "honeypot", "unknown"})


def _rank(key: str) -> int:
    return _RANK.get(key, 999)


_ALL_KEYS = frozenset(k for k, _ in _RULES)
_TEXT_KEYS = _ALL_KEYS - _CHECK_KEYS
_SELECT_KEYS = frozenset({"state", "country", "category", "city", "phone", "year_founded", "unknown", "captcha",
                          "postal_code",
                          "honeypot", "contact_title", "hours"})
_TEXTAREA_KEYS = frozenset({"description", "short_description", "hours", "keywords", "address_line1", "captcha",
                            "honeypot", "unknown"})
_CHECKBOX_KEYS = frozenset({"terms_checkbox", "newsletter_checkbox", "honeypot", "captcha", "category", "unknown"})
_RADIO_KEYS = frozenset({"category", "country", "state", "newsletter_checkbox", "terms_checkbox", "unknown"})
_PASSWORD_KEYS = frozenset({"password", "password_confirm", "captcha", "honeypot"})


def is_text_box(field: FormField) -> bool:
    return field.tag == "textarea" or field.widget == "contenteditable" or (field.tag == "input" and field.type in (
        "text", "email", "url", "tel", "number", "search", ""))


def allowed_keys(field: FormField) -> frozenset[str]:
    if field.type == "checkbox":
        return _CHECKBOX_KEYS
    if field.type == "radio":
        return _RADIO_KEYS
    if field.type == "password":
        return _PASSWORD_KEYS
    if field.type == "email":
        return _EMAIL_KEYS
    if field.type == "url":
        return _URL_KEYS
    if field.tag == "textarea" or (field.widget == "contenteditable" and field.type == "textarea"):
        return _TEXTAREA_KEYS
    if field.tag == "select" or (field.widget in ("combobox", "listbox") and field.tag != "input"):
        return _SELECT_KEYS
    return _TEXT_KEYS
