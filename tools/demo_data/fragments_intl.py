"""Hand-written Spanish, German, French and Portuguese fragments.

The bundled model tags English only: these mentions are stored and marked as not tagged,
which is the path the demo shows. Slots: {brand} {n} {days}.
"""

from __future__ import annotations

INTL: dict[str, dict[str, list[str]]] = {
    "es": {
        "positive": [
            "Muy contenta con {brand}, la cobertura es buena y el precio también.",
            "La eSIM se activó en dos minutos desde la app.",
            "Buen servicio y sin sorpresas en la factura.",
            "Cambié a {brand} hace {n} meses y pago la mitad que antes.",
            "El roaming en Europa funcionó sin hacer nada.",
            "La app es clara y fácil de usar.",
            "Buena velocidad incluso en el metro.",
        ],
        "neutral": [
            "¿Alguien sabe si {brand} tiene roaming en México?",
            "Acabo de pasar mi número a {brand}, ya veremos qué tal.",
            "¿{brand} funciona bien en el iPhone 15?",
            "¿{brand} tiene tarifa para estudiantes?",
            "Mañana me llega la SIM de {brand}.",
            "¿Cuánto tarda {brand} en portar un número?",
        ],
        "product": [
            "La app se cierra cada vez que abro el consumo de datos.",
            "Sin señal en mi casa desde la semana pasada.",
            "Los datos dejan de funcionar cada noche.",
            "La 5G aparece pero va lentísima.",
            "Las llamadas se cortan en el coche.",
            "La app no muestra bien el saldo.",
        ],
        "slow_response": [
            "Llevo {days} días esperando respuesta a mi correo.",
            "Más de una hora en espera para hablar con alguien.",
        ],
        "unresolved_issue": [
            "He llamado {n} veces y el problema sigue sin resolverse.",
            "Cerraron mi reclamo como resuelto y sigo sin servicio.",
        ],
        "language_barrier": [
            "Ya no hay atención en español y no entiendo al agente.",
            "Pedí hablar en español y me dijeron que solo atienden en inglés.",
            "El agente no me entendía y yo tampoco a él.",
        ],
        "hard_to_reach": ["Es imposible comunicarse con ellos, el teléfono siempre está ocupado."],
        "lack_of_empathy": ["El agente fue grosero y me dijo que era mi culpa."],
        "openers": ["Hola {brand}.", "Pues nada,", "Sinceramente,", ""],
        "closers_negative": ["Qué decepción.", "Un desastre.", "Estoy harta.", ""],
        "closers_positive": ["Gracias.", "Lo recomiendo.", "¡Genial!", ""],
        "closers_neutral": ["Gracias.", "Saludos.", ""],
    },
    "de": {
        "positive": [
            "Bin sehr zufrieden mit {brand}, guter Empfang und fairer Preis.",
            "Die eSIM war in zwei Minuten eingerichtet.",
            "Roaming in Spanien hat einfach funktioniert.",
            "Seit {n} Monaten bei {brand} und keine Probleme.",
            "Die App ist übersichtlich und schnell.",
            "Guter Empfang sogar in der U-Bahn.",
            "Preis-Leistung stimmt einfach.",
        ],
        "neutral": [
            "Weiß jemand, ob {brand} WLAN-Telefonie unterstützt?",
            "Teste gerade {brand} als Zweitkarte.",
            "Gibt es bei {brand} einen Studentenrabatt?",
            "Wie lange dauert die Rufnummernmitnahme bei {brand}?",
            "Meine {brand} SIM kommt morgen.",
            "Hat {brand} einen Laden in Berlin?",
        ],
        "product": [
            "Die App stürzt bei jedem Start ab.",
            "Kein Netz in meiner Wohnung seit dem Update.",
            "Mobile Daten fallen jeden Abend aus.",
            "5G wird angezeigt, aber es ist langsam.",
            "Anrufe brechen im Auto ab.",
            "Die App zeigt das Datenvolumen falsch an.",
        ],
        "slow_response": [
            "Seit {days} Tagen keine Antwort auf meine E-Mail.",
            "Über eine Stunde in der Warteschleife.",
        ],
        "unresolved_issue": [
            "{n} Mal angerufen und das Problem ist immer noch nicht gelöst.",
            "Ticket wurde geschlossen, aber nichts ist behoben.",
        ],
        "language_barrier": [
            "Der Support spricht kein Deutsch mehr und ich verstehe das Englisch am Telefon kaum.",
            "Der Mitarbeiter und ich haben uns überhaupt nicht verstanden.",
        ],
        "hard_to_reach": ["Die Hotline ist dauerhaft besetzt, man kommt nicht durch."],
        "lack_of_empathy": ["Der Mitarbeiter war unfreundlich und hat einfach aufgelegt."],
        "openers": ["Hallo {brand},", "Ehrlich gesagt:", "Kurzes Update:", ""],
        "closers_negative": ["Sehr enttäuschend.", "Echt ärgerlich.", "So nicht.", ""],
        "closers_positive": ["Danke!", "Empfehlenswert.", "Top.", ""],
        "closers_neutral": ["Danke!", "Grüße.", ""],
    },
    "fr": {
        "positive": [
            "Très contente de {brand}, bon réseau et prix correct.",
            "L'eSIM s'est activée en deux minutes dans l'appli.",
            "Aucune surprise sur la facture, c'est rare.",
            "Chez {brand} depuis {n} mois, rien à redire.",
            "L'appli est claire et rapide.",
            "Bon réseau même dans le métro.",
            "Le rapport qualité-prix est imbattable.",
        ],
        "neutral": [
            "Quelqu'un sait si {brand} fonctionne en itinérance au Maroc ?",
            "Je viens de transférer mon numéro chez {brand}.",
            "{brand} propose une offre étudiante ?",
            "Combien de temps prend la portabilité chez {brand} ?",
            "Ma carte SIM {brand} arrive demain.",
            "{brand} fonctionne avec l'iPhone 15 ?",
        ],
        "product": [
            "L'appli plante à chaque ouverture.",
            "Plus de réseau chez moi depuis la mise à jour.",
            "La 5G s'affiche mais le débit est nul.",
            "Les appels coupent en voiture.",
            "L'appli affiche mal ma consommation.",
            "Pas de réseau dans mon bureau.",
        ],
        "slow_response": [
            "Toujours pas de réponse à mon mail après {days} jours.",
            "Plus d'une heure d'attente au téléphone.",
        ],
        "unresolved_issue": [
            "J'ai appelé {n} fois et le problème n'est toujours pas réglé.",
            "Ticket fermé sans solution.",
        ],
        "language_barrier": [
            "Il n'y a plus de service client en français et je ne comprends pas l'agent.",
            "L'agent et moi ne nous comprenions pas du tout.",
        ],
        "hard_to_reach": ["Impossible de joindre le service client, la ligne est toujours occupée."],
        "lack_of_empathy": ["Le conseiller a été désagréable et m'a dit que c'était ma faute."],
        "openers": ["Bonjour {brand},", "Franchement,", "Petit retour :", ""],
        "closers_negative": ["Très déçue.", "Inadmissible.", "Ras le bol.", ""],
        "closers_positive": ["Merci !", "Je recommande.", "Top.", ""],
        "closers_neutral": ["Merci !", "Bonne journée.", ""],
    },
    "pt": {
        "positive": [
            "Muito satisfeito com a {brand}, boa cobertura e preço justo.",
            "A eSIM ativou em dois minutos pelo app.",
            "Nenhuma surpresa na fatura, recomendo.",
            "Estou com a {brand} há {n} meses e sem problemas.",
            "O app é simples e rápido.",
            "Sinal bom até no metrô.",
            "O custo-benefício é ótimo.",
        ],
        "neutral": [
            "Alguém sabe se a {brand} tem roaming no Brasil?",
            "Acabei de portar meu número para a {brand}.",
            "A {brand} tem plano para estudantes?",
            "Quanto tempo leva a portabilidade na {brand}?",
            "Meu chip da {brand} chega amanhã.",
            "A {brand} funciona no iPhone 15?",
        ],
        "product": [
            "O app fecha sozinho toda vez que abro.",
            "Sem sinal em casa desde a atualização.",
            "Os dados móveis caem toda noite.",
            "As ligações caem no carro.",
            "O app mostra o consumo errado.",
            "O 5G aparece mas é lento.",
        ],
        "slow_response": [
            "Esperando resposta do e-mail há {days} dias.",
            "Mais de uma hora na espera para falar com alguém.",
        ],
        "unresolved_issue": [
            "Liguei {n} vezes e o problema continua sem solução.",
            "Fecharam meu chamado como resolvido, mas nada foi resolvido.",
        ],
        "language_barrier": [
            "Não tem mais atendimento em português e não consigo entender o atendente.",
            "O atendente e eu simplesmente não nos entendíamos.",
        ],
        "hard_to_reach": ["Impossível falar com alguém, o telefone está sempre ocupado."],
        "lack_of_empathy": ["O atendente foi grosso e disse que a culpa era minha."],
        "openers": ["Oi {brand},", "Sinceramente,", "Bom,", ""],
        "closers_negative": ["Que decepção.", "Um absurdo.", "Cansei.", ""],
        "closers_positive": ["Obrigado!", "Recomendo.", "Top.", ""],
        "closers_neutral": ["Obrigado!", "Valeu.", ""],
    },
}

INTL_TITLES: dict[str, dict[str, list[str]]] = {
    "es": {"negative": ["Decepcionado", "Pésimo servicio", "Muy mal"],
           "neutral": ["Regular", "Normal"], "positive": ["Excelente", "Muy bueno"]},
    "de": {"negative": ["Enttäuschend", "Schlechter Service", "Nie wieder"],
           "neutral": ["Geht so", "Okay"], "positive": ["Super", "Sehr gut"]},
    "fr": {"negative": ["Décevant", "Service nul", "À éviter"],
           "neutral": ["Moyen", "Correct"], "positive": ["Excellent", "Très bien"]},
    "pt": {"negative": ["Decepcionante", "Péssimo atendimento", "Horrível"],
           "neutral": ["Razoável", "Ok"], "positive": ["Excelente", "Muito bom"]},
}

INTL_THEMES = ("slow_response", "unresolved_issue", "language_barrier", "hard_to_reach",
               "lack_of_empathy")
