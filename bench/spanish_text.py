"""Plausible Spanish text for generated proposals and comments (La Libertad, fictional)."""

from __future__ import annotations

import random

TAGS = (
    "agua",
    "salud",
    "educación",
    "transporte",
    "seguridad",
    "medio ambiente",
    "cultura",
    "deporte",
    "turismo",
    "agricultura",
    "vivienda",
    "empleo",
    "juventud",
    "mujeres",
    "adultos mayores",
    "discapacidad",
    "limpieza pública",
    "parques",
    "comercio",
    "transparencia",
)
VERBS = (
    "Construir",
    "Mejorar",
    "Ampliar",
    "Reparar",
    "Iluminar",
    "Asfaltar",
    "Crear",
    "Reforestar",
    "Equipar",
    "Señalizar",
    "Recuperar",
    "Techar",
    "Limpiar",
    "Proteger",
    "Abrir",
)
THINGS = (
    "un parque infantil",
    "la posta médica",
    "el mercado de abastos",
    "la losa deportiva",
    "el canal de regadío",
    "la biblioteca municipal",
    "las veredas de la avenida principal",
    "un comedor popular",
    "el puente peatonal",
    "la red de agua potable",
    "un centro de acopio de residuos",
    "una ciclovía",
    "el colegio inicial",
    "la plaza de armas",
    "un vivero comunal",
    "el camino vecinal",
    "un centro del adulto mayor",
    "la comisaría",
    "un local comunal",
    "el reservorio de agua",
)
PLACES = (
    "Trujillo",
    "El Porvenir",
    "Florencia de Mora",
    "Huanchaco",
    "La Esperanza",
    "Laredo",
    "Moche",
    "Salaverry",
    "Víctor Larco Herrera",
    "Otuzco",
    "Agallpampa",
    "Usquil",
    "Chepén",
    "Pacasmayo",
    "Ascope",
    "Virú",
    "Huamachuco",
    "Santiago de Chuco",
    "Julcán",
    "Tayabamba",
)
REASONS = (
    "Los vecinos llevamos años esperando esta obra.",
    "Cada temporada de lluvias el problema empeora y nadie responde.",
    "Los niños del barrio no tienen un lugar seguro donde jugar.",
    "Las personas mayores caminan más de una hora para recibir atención.",
    "Los agricultores pierden parte de la cosecha por falta de agua.",
    "En las noches la zona queda a oscuras y hay robos frecuentes.",
    "El presupuesto participativo del año pasado no incluyó ninguna obra aquí.",
    "Los comerciantes trabajan sin servicios básicos ni orden.",
    "La basura se acumula en las esquinas y atrae plagas.",
    "Los jóvenes no tienen espacios para el deporte ni la cultura.",
)
PLANS = (
    "Proponemos que el gobierno regional incluya la obra en el presupuesto del próximo año.",
    "La junta vecinal se compromete a mantener el espacio limpio y cuidado.",
    "El expediente técnico puede elaborarse con apoyo de la universidad.",
    "Pedimos una mesa de trabajo con la municipalidad distrital y la comunidad.",
    "La obra beneficiaría a más de dos mil familias de la zona.",
    "Se puede financiar en etapas, empezando por el tramo más urgente.",
    "Las rondas campesinas pueden ayudar con la mano de obra no calificada.",
    "Solicitamos que se publique cada avance en este portal.",
)
COMMENTS = (
    "Totalmente de acuerdo, en mi cuadra pasa lo mismo.",
    "¿Alguien sabe cuánto costaría el expediente técnico?",
    "Apoyo la propuesta, pero hay que pensar en el mantenimiento.",
    "Esto ya se pidió en 2019 y no se hizo nada.",
    "Gracias por organizar a los vecinos, cuenten conmigo.",
    "Sería bueno sumar a la junta de usuarios de riego.",
    "No estoy de acuerdo: hay prioridades más urgentes en el distrito.",
    "Propongo que se incluya también alumbrado público.",
    "Mi familia vive a dos cuadras y lo necesitamos con urgencia.",
    "Compartan la propuesta en el grupo del barrio para que más gente apoye.",
    "La municipalidad dijo que no hay presupuesto, pero podemos insistir.",
    "Excelente idea, ojalá el gobierno regional responda a tiempo.",
)


def title(rng: random.Random) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(THINGS)} en {rng.choice(PLACES)}"


def summary(rng: random.Random) -> str:
    return f"{rng.choice(REASONS)} {rng.choice(PLANS)}"


def body(rng: random.Random) -> str:
    """Three short Markdown paragraphs and a list: about 800 characters."""
    paragraphs = [" ".join(rng.sample(REASONS, 3)), " ".join(rng.sample(PLANS, 3))]
    steps = "\n".join(f"- {step}" for step in rng.sample(PLANS, 3))
    closing = f"Firmado por vecinas y vecinos de **{rng.choice(PLACES)}**."
    return "\n\n".join([*paragraphs, steps, closing])


def comment(rng: random.Random) -> str:
    return " ".join(rng.sample(COMMENTS, rng.randint(1, 3)))
