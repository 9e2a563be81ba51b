"""Demo instances: the region of La Libertad and two of its provinces. Loading is idempotent."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.db import scoped_to
from app.demo_budgets import load_demo_budgets
from app.demo_content import load_demo_content
from app.demo_people import DEMO_ACCOUNTS, demo_census_rows, load_demo_people
from app.demo_polls import load_demo_polls
from app.geozones.models import Geozone
from app.geozones.repository import get_geozone_by_code
from app.pages.models import Page
from app.pages.repository import get_page
from app.tenants.models import Tenant
from app.tenants.repository import get_tenant_by_slug
from app.tenants.schemas import TenantCreate, TenantSettings
from app.tenants.service import create_tenant


@dataclass(frozen=True)
class DemoInstance:
    data: TenantCreate
    zones: tuple[tuple[str, str, str], ...]
    pages: tuple[tuple[str, str, str], ...] = field(default=())


LA_LIBERTAD_PROVINCES = (
    ("1301", "Trujillo", "urban"),
    ("1302", "Ascope", "urban"),
    ("1303", "Bolívar", "rural"),
    ("1304", "Chepén", "urban"),
    ("1305", "Julcán", "rural"),
    ("1306", "Otuzco", "rural"),
    ("1307", "Pacasmayo", "urban"),
    ("1308", "Pataz", "rural"),
    ("1309", "Sánchez Carrión", "rural"),
    ("1310", "Santiago de Chuco", "rural"),
    ("1311", "Gran Chimú", "rural"),
    ("1312", "Virú", "urban"),
)
TRUJILLO_DISTRICTS = (
    ("130101", "Trujillo", "urban"),
    ("130102", "El Porvenir", "urban"),
    ("130103", "Florencia de Mora", "urban"),
    ("130104", "Huanchaco", "urban"),
    ("130105", "La Esperanza", "urban"),
    ("130106", "Laredo", "urban"),
    ("130107", "Moche", "urban"),
    ("130108", "Poroto", "rural"),
    ("130109", "Salaverry", "urban"),
    ("130110", "Simbal", "rural"),
    ("130111", "Víctor Larco Herrera", "urban"),
)
OTUZCO_DISTRICTS = (
    ("130601", "Otuzco", "urban"),
    ("130602", "Agallpampa", "rural"),
    ("130604", "Charat", "rural"),
    ("130605", "Huaranchal", "rural"),
    ("130606", "La Cuesta", "rural"),
    ("130608", "Mache", "rural"),
    ("130610", "Paranday", "rural"),
    ("130611", "Salpo", "rural"),
    ("130613", "Sinsicap", "rural"),
    ("130614", "Usquil", "rural"),
)


def _pages(name: str) -> tuple[tuple[str, str, str], ...]:
    return (
        (
            "acerca",
            "Acerca de este portal",
            f"Este es el portal de participación ciudadana de {name}. Aquí puedes proponer, "
            "debatir, votar y seguir lo que hace tu gobierno con lo que decides."
            "\n\nEs una instancia de demostración de Minka: los datos son ficticios.",
        ),
        (
            "privacidad",
            "Política de privacidad",
            f"{name} trata tus datos personales solo para gestionar tu participación, conforme "
            "a la Ley N.º 29733 de Protección de Datos Personales.\n\nPuedes descargar tus datos "
            "o pedir que se borren en cualquier momento desde tu perfil.",
        ),
        (
            "condiciones",
            "Condiciones de uso",
            "Participa con respeto. Los comentarios que insulten, discriminen o difundan datos "
            "personales de otras personas serán ocultados por la moderación.",
        ),
        (
            "accesibilidad",
            "Accesibilidad",
            "Este portal funciona sin JavaScript, se lee en pantallas pequeñas y sigue las "
            "pautas WCAG 2.1 AA. Si encuentras una barrera, escríbenos y la corregiremos.",
        ),
    )


DEMO_INSTANCES: tuple[DemoInstance, ...] = (
    DemoInstance(
        TenantCreate(
            slug="lalibertad",
            name="Gobierno Regional La Libertad",
            hosts=["127.0.0.1", "localhost"],
            primary_color="#8a1538",
            accent_color="#f2c14e",
            logo_path="/static/img/logo-lalibertad.svg",
            settings=TenantSettings(
                tagline="Decide La Libertad: la región que construimos entre todos.",
                welcome_text=(
                    "Propón, debate y vota sobre el futuro de las doce provincias de la región. "
                    "Cada propuesta que llega al Gobierno Regional recibe una respuesta razonada "
                    "y con plazo."
                ),
                contact_email="participa@lalibertad.minka.example",
                contact_phone="(044) 000 000",
                address="Trujillo, La Libertad, Perú",
            ),
        ),
        LA_LIBERTAD_PROVINCES,
        _pages("el Gobierno Regional La Libertad"),
    ),
    DemoInstance(
        TenantCreate(
            slug="trujillo",
            name="Municipalidad Provincial de Trujillo",
            hosts=["trujillo.localhost"],
            primary_color="#0b5394",
            accent_color="#f6b26b",
            logo_path="/static/img/logo-trujillo.svg",
            settings=TenantSettings(
                tagline="Trujillo participa: la ciudad de la eterna primavera decide.",
                welcome_text=(
                    "Vecinas y vecinos de los once distritos de la provincia: aquí se proponen "
                    "y eligen las obras del presupuesto participativo municipal."
                ),
                contact_email="participa@trujillo.minka.example",
                address="Plaza de Armas, Trujillo",
            ),
        ),
        TRUJILLO_DISTRICTS,
        _pages("la Municipalidad Provincial de Trujillo"),
    ),
    DemoInstance(
        TenantCreate(
            slug="otuzco",
            name="Municipalidad Provincial de Otuzco",
            hosts=["otuzco.localhost"],
            primary_color="#2e7d32",
            accent_color="#ffd54f",
            logo_path="/static/img/logo-otuzco.svg",
            settings=TenantSettings(
                tagline="Otuzco decide: la sierra liberteña tiene la palabra.",
                welcome_text=(
                    "Desde cada centro poblado, en castellano o en quechua, en línea o en la "
                    "mesa de atención de la municipalidad: tu voz cuenta."
                ),
                contact_email="participa@otuzco.minka.example",
                address="Plaza de Armas, Otuzco",
            ),
        ),
        OTUZCO_DISTRICTS,
        _pages("la Municipalidad Provincial de Otuzco"),
    ),
)


def _ensure_content(session: Session, tenant: Tenant, demo: DemoInstance) -> None:
    with scoped_to(session, tenant.id):
        for code, name, kind in demo.zones:
            if get_geozone_by_code(session, code) is None:
                session.add(Geozone(code=code, name=name, kind=kind))
        for position, (slug, title, body) in enumerate(demo.pages):
            if get_page(session, slug) is None:
                session.add(Page(slug=slug, title=title, body=body, footer_position=position))
        session.flush()


@dataclass
class DemoReport:
    created: list[str] = field(default_factory=list)
    logins: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    sample_resident: tuple[str, str] = ("", "")


def load_demo(session: Session, census_secret: bytes) -> DemoReport:
    """Create what is missing of the demo instances, their census and demo accounts."""
    report = DemoReport()
    for number, demo in enumerate(DEMO_INSTANCES, start=1):
        tenant = get_tenant_by_slug(session, demo.data.slug)
        if tenant is None:
            tenant = create_tenant(session, demo.data)
            report.created.append(tenant.slug)
        _ensure_content(session, tenant, demo)
        codes = [code for code, _name, _kind in demo.zones]
        report.logins[tenant.slug] = load_demo_people(session, tenant, number, codes, census_secret)
        load_demo_content(session, tenant)
        load_demo_polls(session, tenant)
        load_demo_budgets(session, tenant)
        if number == 1:
            # The first census rows back the verified demo accounts; this one is left free.
            dni, birth, _code = demo_census_rows(number, codes)[len(DEMO_ACCOUNTS)]
            report.sample_resident = (dni, birth.isoformat())
    return report
