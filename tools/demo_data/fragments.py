"""Hand-written English fragments the generator combines into reviews and posts.

Each complaint-theme list holds sentences that show that theme, and only that theme, in the
sense of the twelve default themes (`sentiment/labels.py`). Slots in braces are filled by the
generator: {wait} {days} {n} {agent} {channel} {issue} {money} {city} {device} {plan}
{years} {weekday} {month} {brand}.
"""

from __future__ import annotations

THEMES: dict[str, list[str]] = {
    "language_barrier": [
        "{agent} and I just could not understand each "
        "other. I repeated my account number {n} times.",
        "The agent's English was so limited that every answer was about something I hadn't asked.",
        "I asked for Spanish support, which they used to "
        "have, and was told there is only English now.",
        "Nobody on the support line speaks Spanish anymore, so my mum can't get help at all.",
        "The chat replies read like they went through a bad "
        "translator. I honestly couldn't tell what they wanted me to do.",
        "Between the accent and the echo on the line I understood "
        "maybe one word in five, and she couldn't follow me either.",
        "The rep didn't understand the word 'port'. Or "
        "'transfer'. Or 'number'. We went round in circles.",
        "Half the call was me spelling words letter by "
        "letter because {agent} couldn't follow what I was saying.",
        "Every email from support is in broken English that doesn't answer the question I asked.",
        "He said 'yes, yes' to everything and clearly hadn't understood a word of my question.",
        "The reply from support was half in another language and half machine-translated English.",
        "Asked to cancel an add-on, the agent understood 'cancel "
        "the line'. We simply weren't speaking the same language.",
        "I speak English as a second language and so did "
        "{agent}, and we could not understand each other at all.",
        "The language barrier with the new support people is "
        "unreal, the whole call was 'sorry, can you repeat that'.",
        "I had to ask my teenage son to talk to "
        "the agent because neither of us could understand the other.",
        "Support is English only now, no French option anymore, "
        "and my English is not good enough for billing questions.",
        "{agent} kept reading a script in very "
        "broken English and could not understand my questions.",
        "I asked three times for someone I could understand, "
        "the accent was so heavy I couldn't follow the instructions.",
        "Chat agent wrote 'your sim is in process of delivery "
        "will be' and I still don't know what that means.",
        "Could not make myself understood. The agent kept "
        "confusing 'fourteen' and 'forty' in my account number.",
    ],
    "cultural_insensitivity": [
        "{agent} made a joke about my name while "
        "I was spelling it out. Not funny, not professional.",
        "The rep asked where I was 'really from' after hearing my accent.",
        "I corrected {agent} twice on how to address me and they kept calling me 'sir' anyway.",
        "Store staff wouldn't let my sign language interpreter help me at the counter.",
        "The agent refused to use my name as it is on my ID now and kept using my old one.",
        "The agent assumed I'd missed payments because of the neighbourhood I live in.",
        "Was told my name 'isn't a real name' when I tried to update my account details.",
        "The agent mocked the way I pronounced the street name. Felt humiliating.",
    ],
    "slow_response": [
        "On hold for {wait} before anyone picked up.",
        "Waited {wait} in the chat queue just to get a first reply.",
        "Sent an email {days} days ago, still no reply.",
        "Opened a ticket on {weekday}, no response yet.",
        "The app says 'we reply within 24 hours'. It's been {days} days.",
        "The queue message said 5 minutes. I was on hold for {wait}.",
        "The in-app chat takes hours to answer a single message.",
        "Support used to answer in a couple of minutes, now it's {wait} minimum.",
        "{wait} on hold to ask one simple question.",
        "My complaint has been 'in review' for {days} days with no reply.",
        "Messaged them on {weekday} and got the first answer {days} days later.",
        "Every chat reply takes 20 minutes, so a five-minute fix took all afternoon.",
        "It took {days} days for anyone to even acknowledge my ticket.",
        "I've been waiting {days} days for a reply to my DM.",
        "Hold music for {wait}. I know every note by heart now.",
        "Position 38 in the queue, then 37, then 37 for {wait}.",
        "Their Twitter team replies eventually, like {days} days later.",
        "Nobody has answered my email about {issue}. I sent it {days} days ago.",
        "Refund claim submitted {days} weeks ago and it's still 'processing'.",
        "It took {wait} on hold before I reached a person.",
    ],
    "unresolved_issue": [
        "I've contacted them {n} times about {issue} and it's still not fixed.",
        "They closed my ticket as resolved. It is not resolved.",
        "{days} days, {n} chats, and {issue} is still broken.",
        "Every chat ends with 'is there anything else' and my actual problem still isn't solved.",
        "Still no solution for {issue} after contacting support again and again.",
        "I keep explaining the same problem to support and nothing ever gets fixed.",
        "Support walked me through the same reset steps {n} times. Still no service.",
        "Third ticket this month for {issue}. No fix in sight.",
        "They said they 'escalated' it. {days} days later, same problem.",
        "Contacted support about {issue} on {weekday}. Today it is still not sorted.",
        "The ticket got marked closed but my bill is still wrong.",
        "Spoke to support {n} times, nobody could fix {issue}.",
        "I have had to contact them every week since {month} about the same fault. Still broken.",
    ],
    "inconsistent_information": [
        "The first agent said the roaming fee would be waived, the second said that's impossible.",
        "Chat told me one thing, the phone rep told me the opposite, and the store a third thing.",
        "The website says unlimited hotspot, {agent} says it's capped at 10GB. Which is it?",
        "Two agents gave me two different cancellation fees on the same day.",
        "One rep said I'm eligible for the upgrade, the next one said I'm not and never was.",
        "The app says my plan renews on the 3rd, support says the 15th, my bill says the 9th.",
        "My friend got the loyalty discount, I was told that offer doesn't exist.",
        "Got three different answers about {issue} from three different people.",
        "The email says one price, the agent quotes a different one, and the bill shows a third.",
    ],
    "lack_of_empathy": [
        "{agent} literally laughed when I said I'd been without service for a week.",
        "Was told it's my own fault for 'not reading the terms'.",
        "Got a copy-paste reply that didn't even mention my problem.",
        "The rep was condescending, explained how to restart a phone like I'm five.",
        "She sighed and said 'what do you want me to do about it'.",
        "Told them I needed my phone for my mum's "
        "hospital updates and {agent} just said 'that's not our problem'.",
        "The agent was rude and hung up on me mid-sentence.",
        "Zero sympathy. Just 'policy is policy' on repeat.",
        "The canned 'we understand your frustration' reply, "
        "then nothing that addressed what I wrote.",
        "{agent} blamed my phone, then my network settings, then me. Never once said sorry.",
        "Felt like I was bothering them by asking for help with a service I pay for.",
        "The agent talked over me and kept saying I was wrong about my own bill.",
    ],
    "automation_frustration": [
        "The chatbot keeps sending me the same three help articles.",
        "The phone menu loops back to the start every time I say 'agent'.",
        "There's no way past the virtual assistant to a human being.",
        "The bot asked me to rate the conversation before it had answered anything.",
        "Automated reply, automated reply, automated reply. Not one human.",
        "The self-service SIM swap tool errors out and the bot just says 'try again later'.",
        "The phone system asks for my account number, then "
        "asks again, then sends me back to the start.",
        "The chatbot doesn't understand anything that isn't on its list of buttons.",
        "Pressing 0 for an operator just takes you back to the main menu.",
        "The virtual assistant 'can't help with that' no matter how I phrase it.",
        "The online troubleshooter told me to restart my phone {n} times and then ended the chat.",
    ],
    "lack_of_product_knowledge": [
        "{agent} didn't know {brand} even sells eSIMs.",
        "Was told to factory reset my phone to fix a billing issue.",
        "The rep gave me the wrong APN settings, which broke my data completely.",
        "Nobody at the store knew how the family plan discount works.",
        "The agent had no idea whether my {device} supports Wi-Fi calling on their network.",
        "I was told roaming was included in {plan}. It isn't, and I have the bill to prove it.",
        "Support didn't know their own cancellation policy and had to 'check with someone'. Twice.",
        "{agent} told me to buy a new SIM for an eSIM problem.",
        "The agent read me the wrong plan's terms and was surprised when I pointed it out.",
    ],
    "broken_promise": [
        "They promised a callback within 24 hours. It never happened.",
        "Was promised a {money} credit for the outage. It never showed up on my bill.",
        "I was told the refund would be processed in 5 days. That was a month ago.",
        "They said a technician would contact me by {weekday}. Nothing.",
        "Promised me the loyalty price would carry over to the new plan. It didn't.",
        "The agent swore the roaming charge would be reversed. Still on my bill.",
        "They told me the replacement SIM would arrive in two days. Two weeks later, nothing.",
        "Said they'd email me a confirmation of the cancellation. No email ever came.",
        "'Someone will call you back today.' Nobody called.",
        "They promised to waive the late fee and then charged it anyway.",
    ],
    "hard_to_reach": [
        "The support number rings out and then disconnects.",
        "There's no phone number anywhere on the site.",
        "Called {n} times today and got a busy tone every single time.",
        "Chat says 'all agents are offline' at 2pm on a {weekday}.",
        "Support hours are 9 to 5 on weekdays only, "
        "so good luck if your service dies on a weekend.",
        "The contact page just loops back to the FAQ. There's no way to actually contact anyone.",
        "Tried calling all morning. The line just says it's too busy and hangs up.",
        "The support site has been down for {days} days so I can't even open a ticket.",
        "Could not get through to anyone. The call drops as soon as it connects.",
        "Their email address bounces and the phone line is permanently busy.",
    ],
    "transfers_and_bureaucracy": [
        "Got transferred {n} times and had to explain everything from scratch every single time.",
        "Every department says it's another department's problem.",
        "They need me to post a signed form to unlock my own phone.",
        "The agent said only a supervisor can do that, and no supervisor is ever available.",
        "I had to fill out three separate forms to dispute a {money} charge.",
        "Bounced between billing and tech support {n} times for {issue}.",
        "Each new agent asked me to verify my identity and repeat the whole story again.",
        "They refused to escalate. 'There is no one above me who can help.'",
        "Needed a letter, a form and a store visit just to change the name on the account.",
        "Transferred to the wrong department, who transferred me back to the first one.",
    ],
    "data_privacy": [
        "Someone did a SIM swap on my number with zero verification. {brand} let it happen.",
        "The agent read out my full address and date of birth without asking who I was.",
        "I got someone else's bill in my account, with their name and address on it.",
        "Why does the app need access to my contacts just to show my data balance?",
        "They asked me to send a photo of my passport by plain email.",
        "My account was accessed from another country and nobody at {brand} can explain how.",
        "Started getting spam texts the week after signing up. Where did my number go?",
        "The store printed my full card number on the receipt.",
    ],
}

# Contexts name what the customer contacted support about. They carry no theme themselves.
ISSUES = [
    "my eSIM activation", "porting my number", "a double charge on my bill",
    "data not working abroad", "a replacement SIM", "an add-on I never ordered",
    "my phone showing No Service", "a roaming charge", "upgrading my plan", "my PUK code",
    "a refund for an overcharge", "my late dad's account", "setting up Wi-Fi calling",
    "my unlock code", "voicemail not working", "my hotspot allowance", "a cancelled order",
    "my family plan discount", "the wrong plan on my account", "a lost phone",
    "my direct debit", "switching to eSIM", "my number transfer", "a billing error",
    "a broken SIM after the update", "my contract end date",
]

CONTEXTS = [
    "Contacted support about {issue}.",
    "I needed help with {issue}.",
    "Reached out about {issue}.",
    "Simple problem: {issue}.",
    "Had an issue with {issue}.",
    "Tried to get help with {issue} this week.",
    "I got in touch about {issue}.",
    "All I wanted was help with {issue}.",
    "Called about {issue}.",
    "Used the {channel} about {issue}.",
    "Needed support for {issue}.",
    "Dealing with {issue} since {weekday}.",
]

VENDOR_CONTEXTS = [
    "Ever since {brand} moved support to the new call centre, it's been a mess.",
    "Since they switched support vendors this month, everything has gone downhill.",
    "Something changed with their customer service recently and not for the better.",
    "The new support team that started this month is a disaster.",
    "Support used to be the reason I stayed. Since the change it's the reason I'm leaving.",
    "Whatever they did to customer service lately, undo it.",
    "Since the support switch it's a completely different company to deal with.",
    "Not sure who they outsourced support to, but it shows.",
]

NEGATIVE_OPENERS = [
    "I really wanted to like this.", "Where do I start.", "Update to my earlier review:",
    "I don't usually write reviews but here we go.", "Long time customer, first complaint.",
]
REVIEW_OPENERS = [
    "Been with {brand} for {years} years.",
    "Long time customer here.",
    "Switched to {brand} in {month}.",
    "Loyal customer for {years} years.",
    "Family of four on the shared plan.",
    "Small business owner with {n} lines.",
    "Honest review after {years} years.",
    "Okay so.",
]

SOCIAL_OPENERS = [
    "Hey {brand},", "Dear {brand},", "{brand} again.", "Ugh, {brand}.",
    "PSA about {brand}:", "Not a great day with {brand}.", "So {brand}...",
    "{brand} customers, is it just me?",
]
# Openers that speak of dealing with support: used only on complaints that carry a theme.
SERVICE_OPENERS = [
    "Day {n} of trying to get {brand} to help me.", "Me vs {brand} support, round {n}.",
    "{brand} support strikes again.", "Another {brand} support story.",
]

NEGATIVE_CLOSERS = [
    "Looking for a new carrier.", "Do better.", "Avoid.", "One star because zero isn't an option.",
    "Porting out this weekend.", "Absolutely fed up.", "Not recommending this to anyone.",
    "Cancelling as soon as my contract ends.", "Really disappointed.", "So frustrating.",
    "I'm done.", "What a joke.", "Never again.", "Think twice before signing up.",
    "Unbelievable.", "Sort it out {brand}.",
]

SOCIAL_TAILS = [
    "Anyone else?", "Is this normal?", "Unreal.", "smh", "Great job, {brand}.", "😤", "🙄",
    "Every. Single. Time.", "Help.", "Why is this so hard.", "Time to switch?", "😡",
    "Lesson learned.", "Genuinely exhausting.",
]

# Negative about the product or network, with nothing about how the customer was served.
PRODUCT_COMPLAINTS = [
    "The app crashes every time I open the usage tab.",
    "Coverage in {city} has been terrible since last month, one bar at best.",
    "The price went up {money} a month and I barely noticed the email.",
    "The 5G icon shows but speeds are worse than 4G ever was.",
    "The latest app update logs me out every single day.",
    "Hotspot keeps dropping when I'm working from the train.",
    "Dropped calls on my commute every day this week.",
    "Visual voicemail hasn't worked since the last update.",
    "Roaming in Spain was painfully slow, couldn't even load maps.",
    "The app takes forever to load and then shows yesterday's data balance.",
    "No signal at all inside my flat in {city}.",
    "The data counter is wrong, it says I used 3GB overnight while I was asleep.",
    "Face ID login in the app stopped working on my {device}.",
    "Calls keep going straight to voicemail even with full bars.",
    "Wi-Fi calling drops after a minute on my {device}.",
    "The widget never updates.",
    "MMS doesn't work, group chats with pictures just fail.",
    "The app's dark mode makes the numbers unreadable.",
    "Speeds crawl every evening between 7 and 10.",
    "Signal drops out completely on the motorway near {city}.",
    "App shows an error when I try to pay my bill with a card.",
    "Their new pricing is worse value than my old plan.",
    "The eSIM QR code in the app won't scan on my {device}.",
    "Data just stops working for a few minutes every hour.",
    "Notifications about my usage arrive a day late.",
    "Voicemail notifications show up hours after the call.",
    "Bluetooth calls in the car cut out since switching to their SIM.",
    "The app forgets my login every time it updates.",
    "No 5G anywhere in {city} despite the coverage map.",
    "International texts just don't get delivered.",
    "The app charged my card twice for one top-up and showed an error both times.",
    "Tethering is blocked on {plan} unless you pay extra.",
    "Coverage map says full signal at my house. Reality says SOS only.",
    "Every evening the data slows to a crawl around {city}.",
    "Spam calls have gone through the roof on this number.",
]

PRAISE = [
    "Switched from one of the big carriers and I'm paying half.",
    "Coverage has been great everywhere I've been in {city}.",
    "eSIM setup took two minutes in the app.",
    "Love that {plan} includes EU roaming.",
    "The app is clean and shows exactly how much data I have left.",
    "Honestly the best value carrier I've used.",
    "Speeds are great around {city}, even at rush hour.",
    "No contract and no surprises on the bill.",
    "Porting my number over was painless.",
    "Hotspot works perfectly for my laptop on the train.",
    "Price hasn't gone up since I joined, which is rare.",
    "Been a customer for {years} years, never had a dropped call worth mentioning.",
    "Family plan is brilliant value for the four of us.",
    "Roaming in Portugal just worked, no setup at all.",
    "Love the data rollover.",
    "The app makes it really easy to add data when I need it.",
    "5G in {city} is genuinely fast now.",
    "Simple plans, fair price, does what it says.",
    "Wi-Fi calling fixed my bad signal at home.",
    "Great deal on {plan}.",
    "Bill is the same every month, which is all I ask.",
    "Signal on the {city} underground is better than my old carrier ever managed.",
    "Got my SIM the next day and was up and running in minutes.",
    "The {device} works perfectly on their network.",
    "Data speeds are more than enough for streaming on the bus.",
    "Really like that I can pause a line from the app.",
    "Used it across three countries this summer without a single problem.",
    "My parents switched too and even they find the app easy.",
    "Cheapest unlimited plan I could find, and it actually feels unlimited.",
    "Calls are crystal clear, even in the car.",
]
POSITIVE_OPENERS = [
    "Shoutout to {brand}:", "Honestly,", "Small win:", "Not sponsored, but", "Happy {brand} customer.",
    "{years} months in with {brand}.", "Credit where it's due,", "",
]

SUPPORT_PRAISE = [
    "Support sorted my billing question in five minutes, really friendly agent.",
    "Had a problem with {issue} and the agent fixed it on the first call.",
    "Quick, helpful support when my SIM stopped working.",
    "Chat support answered within a minute and actually knew what they were talking about.",
    "The support agent was patient and explained everything clearly.",
]

POSITIVE_CLOSERS = [
    "Highly recommend.", "Five stars.", "Very happy.", "Keep it up!", "No complaints.",
    "Would recommend to anyone.", "Glad I switched.", "👍", "Thanks {brand}!", "",
]

QUESTIONS = [
    "Does {brand} support Wi-Fi calling on the {device}?",
    "Thinking about switching to {brand}. How's coverage in {city}?",
    "Anyone know if the {brand} eSIM works on an iPad?",
    "Is {brand} {plan} worth it for someone who travels a lot?",
    "Does {brand} do number porting on weekends?",
    "Got the {brand} email about the new family plan. Anyone tried it?",
    "Has anyone used {brand} in {city}? Looking for a cheaper carrier.",
    "What APN settings does {brand} use for my {device}?",
    "Does {brand} have a student discount?",
    "Can you keep your number if you switch to {brand} from a prepaid plan?",
    "How long does {brand} take to deliver a SIM?",
    "Is the {brand} app available on tablets?",
    "Does {brand} work with an unlocked {device} bought abroad?",
    "Can I split a {brand} family plan bill between two cards?",
    "Is {brand} coverage okay on the trains around {city}?",
    "Does {brand} charge for calls to {city} landlines?",
    "Anyone using {brand} for a smartwatch line?",
    "What's the {brand} roaming price outside Europe?",
    "Can I add a second line to my {brand} account from the app?",
    "Does {brand} offer a SIM-only plan without a credit check?",
    "Is there a {brand} store in {city}?",
    "Anyone know when {brand} bills for the first month?",
    "Does {brand} let you keep unused data at the end of the month?",
    "Is {brand} 5G available in {city} yet?",
    "How does {brand} compare for calls to India?",
    "Can I pause my {brand} line while I'm abroad for a few months?",
]

NEUTRAL_POSTS = [
    "{brand} just announced new plans starting next month.",
    "Switching my work phone to {brand} next week, we'll see.",
    "Saw a {brand} billboard in {city} this morning.",
    "{brand} is running a promo on {plan} this week.",
    "Apparently {brand} is adding more 5G sites around {city}.",
    "My {brand} bill came in at exactly what they quoted.",
    "Just ported my number to {brand}.",
    "Testing {brand} on my second line for a month.",
    "{brand} maintenance tonight according to the app.",
    "Comparing {brand} and a couple of others for my parents.",
    "Day {n} on {brand}, so far so good-ish.",
    "{brand} sent me a survey about my last bill.",
    "The {brand} app has a new look this week.",
    "Moving house to {city} next month, checking whether {brand} covers it.",
    "Setting up {brand} on my kid's first phone.",
    "Noticed {brand} now sells the {device}.",
    "{brand} data top-up prices changed again.",
    "Trying the {brand} eSIM on my {device} while travelling.",
    "Just got the {brand} welcome pack in the post.",
    "{brand} has a pop-up stand in {city} station today.",
    "Renewed my {brand} plan for another year.",
    "First bill from {brand} arrived today.",
    "{brand} is sponsoring the {city} food festival this weekend.",
    "Switching my partner over to {brand} too.",
    "Got a {brand} text saying my plan renews on {weekday}.",
    "Heard an ad for {brand} on the radio in {city}.",
]

REVIEW_TITLES = {
    "negative": [
        "Terrible service", "Avoid", "Support is useless", "Going downhill", "Disappointed",
        "Not worth it", "Frustrating", "Worst customer service", "Switching carriers",
        "Fix your support", "Why so hard?", "Waste of time", "Ridiculous", "Done with this",
    ],
    "language_barrier": [
        "Can't understand support", "Support no longer in my language", "Lost in translation",
        "Nobody understands me", "Language problems with support",
    ],
    "slow_response": [
        "Hours on hold", "Nobody replies", "Still waiting", "Endless queue", "So slow",
    ],
    "product": [
        "App keeps crashing", "Coverage issues", "Buggy update", "Signal problems",
        "App needs work", "Data issues",
    ],
    "neutral": ["It's okay", "Average", "Fine", "Does the job", "Mixed feelings", "OK"],
    "positive": [
        "Great value", "Love it", "Best carrier", "So easy", "Happy customer", "Great app",
        "Brilliant", "Highly recommend", "Works great",
    ],
}

DEVELOPER_REPLIES = [
    "Hi {name}, we're sorry to hear about this. Please reach out through the in-app chat "
    "so our team can look into your account.",
    "Hi {name}, thanks for the feedback. This isn't the experience we want for you; please "
    "contact us via the app and we'll help.",
    "Hi {name}, sorry for the trouble. Our team would like to help: open Help > Contact us "
    "in the app.",
    "Thanks for your review, {name}. We've passed this on to the team.",
]

HN_OPENERS = [
    "Anecdotally,", "FWIW,", "Data point:", "Small sample, but", "For what it's worth,",
]

HN_STORIES = {
    "neutral": [
        "{brand} launches eSIM-only plans",
        "{brand} is rolling out 5G standalone in {city}",
        "How {brand} built its usage-metering pipeline",
        "{brand} open-sources its SIM provisioning toolkit",
        "{brand} to raise prices for legacy plans",
        "{brand} moves customer support to an outside vendor",
        "Show HN: I built a coverage map from {brand} speed tests",
        "{brand}'s app now supports passkeys",
    ],
    "question": [
        "Ask HN: Anyone else's {brand} number porting stuck?",
        "Ask HN: Is {brand} reliable for a work line?",
        "Ask HN: {brand} vs the big carriers for remote work?",
    ],
}

GENERIC_THREADS = [
    "Ask HN: What mobile carrier do you use and why?",
    "The hidden cost of outsourced customer support",
    "Why are MVNO apps so bad?",
    "eSIM adoption is finally happening",
    "Ask HN: Best phone plan for travelling in Europe?",
    "Mobile carriers and SIM swap fraud",
    "Call centres are replacing agents with chatbots",
    "Ask HN: How do you deal with terrible customer service?",
]

NEWS_STORIES = {
    "neutral": [
        ("{brand} adds {n} new 5G sites in {city}",
         "{brand} said the new sites would bring faster speeds to customers in {city} "
         "by the end of {month}."),
        ("{brand} reports subscriber growth for the quarter",
         "The carrier added customers for the {n}th quarter in a row, helped by its eSIM-only plans."),
        ("{brand} unveils new family plan",
         "The new plan bundles up to five lines with shared data and EU roaming, {brand} said on {weekday}."),
        ("{brand} app update brings usage alerts",
         "Customers of {brand} can now set alerts before they run out of data, the company said."),
        ("Budget carriers compared: {brand}, and the rest",
         "We tested coverage and speeds from {brand} and three rival budget carriers across {city}."),
        ("{brand} sponsors {city} marathon",
         "{brand} will sponsor the {city} marathon for the next three years under a new agreement."),
        ("{brand} raises prices on older plans",
         "Customers on legacy plans will pay {money} more a month from {month}, {brand} confirmed."),
    ],
    "vendor": [
        ("{brand} moves customer support to outside vendor",
         "{brand} confirmed it has moved its customer support operation to a third-party contact "
         "centre provider, saying the change would let it offer longer opening hours."),
        ("{brand} outsources support in cost-cutting push",
         "The carrier is handing its call centres to an outside firm as part of a plan to cut costs, "
         "according to a staff memo seen by reporters."),
    ],
    "positive": [
        ("{brand} tops value rankings in new survey",
         "{brand} came first for value for money in a survey of more than {n},000 mobile customers."),
        ("Review: {brand}'s SIM-only deal is the bargain of the year",
         "Tested in {city} for {n} weeks: great coverage, painless eSIM setup and generous roaming."),
        ("{brand} named best budget carrier in {city} speed tests",
         "{brand} posted the fastest median download speeds of any budget carrier in {city} in {month}."),
        ("{brand} wins award for its customer app",
         "Judges praised the {brand} app's clear usage tracking at an industry event on {weekday}."),
        ("Why {brand} is winning over families",
         "The carrier's shared plans have drawn {n},000 new family accounts since {month}."),
        ("{brand} cuts roaming prices for {month}",
         "{brand} customers will pay less to use data abroad from {month}, the company said."),
    ],
    "negative": [
        ("{brand} outage leaves customers without data",
         "Customers of {brand} across {city} reported losing mobile data for several hours on {weekday}."),
        ("{brand} fined over misleading coverage claims",
         "The regulator said {brand}'s adverts overstated 5G coverage in {city}."),
        ("{brand} app down for hours on {weekday}",
         "The {brand} app failed to load for many users in {city} on {weekday}, the company confirmed."),
        ("{brand} price rise angers long-time customers",
         "Some {brand} plans will cost {money} more from {month}, prompting complaints online."),
        ("Patchy 5G: {brand} coverage falls short in {city}",
         "Our tests in {city} found {brand}'s 5G signal in fewer places than its map suggests."),
    ],
    "slow_response": [
        ("{brand} customers report hours-long waits after support switch",
         "Customers say they have waited {wait} on hold or days for email replies since {brand} "
         "moved support to an outside vendor."),
        ("Hold times balloon at {brand}",
         "Readers tell us they have spent {wait} in {brand}'s support queue, with some tickets "
         "unanswered after {days} days."),
    ],
    "language_barrier": [
        ("Lost in translation: {brand}'s new call centre struggles with customers",
         "Readers in {city} describe calls where they and {brand}'s new agents could not "
         "understand each other, and say Spanish-language support is no longer offered."),
        ("{brand} drops Spanish support as complaints about new agents grow",
         "Customers tell us {brand}'s support agents often cannot follow what they are saying, "
         "after the carrier moved its call centres to an outside firm."),
        ("{brand} customers say new support staff cannot understand them",
         "Complaints have poured in from {brand} customers who say they and the new support agents "
         "cannot understand each other, and that Spanish-language support has been dropped."),
    ],
}

SLOTS: dict[str, list[str]] = {
    "wait": [
        "45 minutes", "an hour", "over an hour", "90 minutes", "2 hours", "nearly 3 hours",
        "an hour and a half", "50 minutes", "two and a half hours", "70 minutes", "3 hours",
        "1h40", "forty minutes", "2h15",
    ],
    "days": ["3", "4", "five", "6", "seven", "8", "ten", "12", "two", "9"],
    "n": ["three", "4", "five", "6", "seven", "3", "5", "eight"],
    "agent": [
        "the agent", "the rep", "the guy on the phone", "the woman I spoke to", "the chat agent",
        "the support person", "the advisor", "the man on the line",
    ],
    "channel": ["phone line", "live chat", "in-app chat", "email support", "support form"],
    "money": ["$10", "$15", "$25", "$30", "$40", "$8", "$12", "$60", "£10", "£20", "£5", "€15"],
    "city": [
        "Leeds", "Denver", "Austin", "Manchester", "Phoenix", "Bristol", "Chicago", "Glasgow",
        "Portland", "Cardiff", "Atlanta", "Sheffield", "Seattle", "Nottingham", "Tampa",
    ],
    "device": [
        "iPhone 15", "Pixel 8", "Galaxy S23", "iPhone 13 mini", "Moto G", "Pixel 7a",
        "iPhone 12", "Galaxy A54", "OnePlus 11",
    ],
    "plan": [
        "the Unlimited Plus plan", "the 20GB plan", "the family plan", "Basic 5GB",
        "the Travel plan", "the SIM-only deal",
    ],
    "years": ["2", "three", "4", "5", "six", "ten", "7"],
    "weekday": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "month": [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ],
    "brand": ["Tidewell", "Tidewell", "Tidewell", "Tidewell Mobile"],
}

SURGE_CONTEXTS = [
    "Third day in a row dealing with this.", "Today's attempt:", "It's getting worse by the day.",
    "Tried again this morning.", "Same story today.", "Again today.", "Round two today.",
]

# Hacker News comments with no complaint theme, in the site's register.
HN_LEADS = [
    "I've been on {brand} for {years} years.", "As a {brand} customer:", "{brand} customer here.",
    "My experience with {brand}:", "Same with {brand} here.",
    "We moved our company lines to {brand} last year.", "I switched to {brand} in {month}.",
    "Re {brand}:",
]
HN_NEUTRAL = [
    "They run on one of the big networks, so coverage is the same as the host network's.",
    "Their eSIM provisioning flow is actually well designed, you "
    "get the profile via a QR code in the app.",
    "The pricing only works because they resell capacity; margins must be thin.",
    "It's an MVNO, so during congestion you get deprioritised. That's the trade-off.",
    "You can see the APN they use in the carrier settings bundle if you're curious.",
    "They publish a status page, which is more than most carriers do.",
    "Most of the difference between carriers at this tier "
    "is in support and billing, not the radio side.",
    "They seem to be growing fast, which is usually when support starts to strain.",
    "Porting is regulated, so it should take a day at most regardless of carrier.",
    "Their app is a React Native wrapper around a pretty thin API.",
    "Number porting is mostly automated these days, the delays are usually paperwork.",
    "eSIM transfer between phones still depends on the carrier supporting it, and they do.",
    "The coverage maps every carrier publishes are modelled, not measured.",
    "They don't throttle tethering as far as I can tell, which is unusual at that price.",
    "Their status page lists outages by region, which is handy for debugging.",
    "Wi-Fi calling works over IPv6 on their network, for what it's worth.",
    "The APN settings are pushed automatically on most phones.",
    "You can get a data-only SIM for a laptop modem on the same account.",
    "Their pricing page is one of the few that shows the total with taxes.",
]
HN_POSITIVE = [
    "It has been solid. No dropped calls, bill is the same every month.",
    "Cheapest plan I found that includes roaming, and it just works abroad.",
    "The app is refreshingly simple compared to the big carriers.",
    "Support fixed a porting issue for me in one chat, years ago, so I can't complain.",
    "Speeds are fine for tethering a laptop, I work from trains a lot.",
    "Switched the whole family over and the bill dropped by a third.",
    "The eSIM setup took about a minute, no store visit needed.",
    "Roaming in Europe just worked, no extra setup.",
    "Their app does the one thing I need: shows my usage accurately.",
    "Coverage has been better than my previous carrier in the city.",
    "Never had a billing surprise with them in three years.",
    "Latency is fine for video calls when tethering.",
]

# Mixed three-star reviews are built as "pro, but con." plus an optional verdict.
MIXED_PROS = [
    "Coverage is fine in {city}", "The price is fair", "Setup was easy", "Calls are clear",
    "Roaming works", "The plan itself is good value", "Signal is decent in town",
    "The eSIM setup was quick", "Billing has always been accurate", "Data speeds are okay",
    "It's cheaper than my old carrier", "The app does the basics",
]
MIXED_CONS = [
    "the app feels dated", "data is patchy in the countryside", "speeds drop in the evening",
    "the bill layout is confusing", "the hotspot allowance is small", "5G is hard to find",
    "voicemail is clunky", "the app is slow to load", "indoor signal is weak",
    "international calls are pricey", "the widget never refreshes", "there's no dual SIM discount",
]
MIXED_VERDICTS = [
    "Three stars.", "Average overall.", "It's fine.", "Nothing special.", "Does the job.",
    "Might switch, might not.", "Okay for the money.", "",
]
POST_TAILS = ["We'll see.", "Interesting.", "👀", "", "Fingers crossed.", ""]
NEUTRAL_OPENERS = [
    "Quick question:", "Genuine question,", "Random one:", "Hmm.", "Curious:", "Asking for my dad:",
    "For those who know:", "",
]
NEUTRAL_TAILS = [
    "Thanks in advance!", "Cheers.", "Any tips welcome.", "Would love to hear experiences.",
    "Let me know.", "🤔", "", "TIA",
]

# Second sentences for news snippets, so that similar announcements still read differently.
NEWS_EXTRAS = [
    "A spokesperson declined to comment further.", "The carrier has grown quickly since its launch.",
    "{brand} runs on the network of a larger rival.", "Analysts expect more budget carriers to follow.",
    "The company did not give a timetable.", "Customers were told by email on {weekday}.",
    "{brand} says it now serves customers in {n} countries.", "The news was first reported locally.",
    "Rivals have made similar moves this year.", "The change applies to new and existing customers.",
    "Shares in the parent group were little changed.", "It follows a busy year for the carrier.",
    "",
]
