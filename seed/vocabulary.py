"""The hand-written words the demo world is made of: people, topics, sentences, snippets.

Nothing here is fetched or copied from a data set; `seed.world` draws from it with a fixed seed.
Every topic has a flavour (`tech`, `travel` or `craft`), which picks the sentences that fit it.
"""

from __future__ import annotations

from dataclasses import dataclass

FIRST_NAMES = (
    "maya",
    "lucas",
    "sofia",
    "kenji",
    "amara",
    "oliver",
    "priya",
    "noah",
    "elena",
    "mateo",
    "hannah",
    "yusuf",
    "chloe",
    "ravi",
    "ingrid",
    "diego",
    "zara",
    "tomas",
    "aiko",
    "samuel",
    "freya",
    "leo",
    "nadia",
    "arjun",
    "clara",
    "felix",
    "imani",
    "jonas",
    "lena",
    "omar",
)
LAST_NAMES = (
    "okafor",
    "bernard",
    "marquez",
    "watanabe",
    "nwosu",
    "schmidt",
    "raman",
    "fischer",
    "petrova",
    "rossi",
    "kim",
    "demir",
    "dubois",
    "patel",
    "larsen",
    "alvarez",
    "hussain",
    "novak",
    "tanaka",
    "adeyemi",
    "olsen",
    "moreau",
    "haddad",
    "iyer",
    "lindqvist",
    "costa",
    "mensah",
    "kowalski",
    "ferreira",
    "brennan",
)
ROLES = (
    "Backend engineer",
    "Frontend developer",
    "Site reliability engineer",
    "Data scientist",
    "Engineering manager",
    "Product designer",
    "Security engineer",
    "Indie hacker",
    "Mobile developer",
    "Platform engineer",
    "Travel writer",
    "Home cook and part-time developer",
)
CITIES = (
    "Lisbon",
    "Lagos",
    "Berlin",
    "Toronto",
    "Bangalore",
    "Kyoto",
    "Mexico City",
    "Copenhagen",
    "Nairobi",
    "São Paulo",
    "Melbourne",
    "Warsaw",
    "Seoul",
    "Dublin",
    "Montréal",
    "Reykjavík",
)
BIO_ENDINGS = (
    "Coffee first, opinions second.",
    "Usually on a bike when not at a keyboard.",
    "Learning in public.",
    "Slowly reading every book on my shelf.",
    "Ask me about sourdough.",
    "Writing things down so I remember them.",
)


@dataclass(frozen=True)
class Topic:
    """What an article is about: its tags, its subjects and the sentences only it can say."""

    name: str
    #: Picks the sentences that fit: `tech`, `travel` (subjects are places) or `craft`.
    flavour: str
    tags: tuple[str, ...]
    subjects: tuple[str, ...]
    facts: tuple[str, ...]
    #: Title templates (`{subject}`, `{Subject}`); TECH_TITLES when empty.
    templates: tuple[str, ...] = ()
    #: A fenced code block (language, code), or none for topics that have no code.
    snippets: tuple[tuple[str, str], ...] = ()
    #: Titles written as they are (some in other scripts), with the subject each is about.
    titles: tuple[tuple[str, str], ...] = ()


TECH_TITLES = (
    "A gentle introduction to {subject}",
    "What nobody tells you about {subject}",
    "{Subject}, one year later",
    "Five mistakes I made with {subject}",
    "Why I changed my mind about {subject}",
    "{Subject} in practice: notes from production",
    "The case against {subject}",
    "How we finally got {subject} right",
    "{Subject} for people in a hurry",
    "Everything I know about {subject}",
    "Stop worrying about {subject}",
    "Debugging {subject} at 3 a.m.",
)
TOPICS = (
    Topic(
        name="Python",
        flavour="tech",
        tags=("python", "programming", "testing", "webdev"),
        subjects=(
            "type hints",
            "asyncio",
            "dataclasses",
            "packaging",
            "virtual environments",
            "pytest fixtures",
            "generators",
            "pattern matching",
            "context managers",
            "the GIL",
        ),
        facts=(
            "Type hints pay for themselves the first time a refactor touches twenty files.",
            "A fixture that builds exactly one thing is easier to trust than one that builds everything.",
            "Most slow Python code I have seen was waiting on the network, not computing.",
            "Reading the standard library's source is still the best tutorial I know.",
        ),
        snippets=(
            (
                "python",
                "from dataclasses import dataclass\n\n\n@dataclass(frozen=True)\nclass Money:\n"
                '    amount: int\n    currency: str = "EUR"\n\n'
                '    def __add__(self, other: "Money") -> "Money":\n'
                "        assert other.currency == self.currency\n"
                "        return Money(self.amount + other.amount, self.currency)",
            ),
            (
                "python",
                "import asyncio\n\n\nasync def fetch_all(urls: list[str]) -> list[bytes]:\n"
                "    async with asyncio.TaskGroup() as group:\n"
                "        tasks = [group.create_task(fetch(url)) for url in urls]\n"
                "    return [task.result() for task in tasks]",
            ),
        ),
    ),
    Topic(
        name="the web",
        flavour="tech",
        tags=("javascript", "webdev", "frontend", "react", "css"),
        subjects=(
            "React hooks",
            "the event loop",
            "TypeScript generics",
            "bundle size",
            "Web Components",
            "service workers",
            "CSS grid",
            "accessibility audits",
            "hydration",
        ),
        facts=(
            "The fastest request is the one the browser never has to make.",
            "A keyboard-only pass through the app finds more bugs than a week of clicking.",
            "Every dependency in the bundle is code you now maintain, whether you read it or not.",
        ),
        snippets=(
            (
                "javascript",
                "export function debounce(fn, ms = 250) {\n  let timer;\n  return (...args) => {\n"
                "    clearTimeout(timer);\n    timer = setTimeout(() => fn(...args), ms);\n  };\n}",
            ),
            (
                "css",
                ".gallery {\n  display: grid;\n"
                "  grid-template-columns: repeat(auto-fill, minmax(12rem, 1fr));\n"
                "  gap: 1rem;\n}",
            ),
        ),
    ),
    Topic(
        name="cloud infrastructure",
        flavour="tech",
        tags=("aws", "serverless", "devops", "cloud", "terraform"),
        subjects=(
            "cold starts",
            "single-table design",
            "infrastructure as code",
            "blue-green deploys",
            "Terraform state",
            "Kubernetes probes",
            "observability",
            "cost alerts",
            "least privilege",
        ),
        facts=(
            "The bill is a monitoring signal: ours spiked a day before the pager did.",
            "An alarm nobody acts on is worse than no alarm, because it teaches people to ignore them.",
            "Infrastructure that is not in code drifts within a month.",
        ),
        snippets=(
            (
                "bash",
                "aws logs tail /aws/lambda/my-function --since 15m --follow \\\n"
                "  --filter-pattern '{ $.level = \"ERROR\" }'",
            ),
            (
                "yaml",
                "livenessProbe:\n  httpGet:\n    path: /healthz\n    port: 8080\n"
                "  initialDelaySeconds: 5\n  periodSeconds: 10",
            ),
        ),
    ),
    Topic(
        name="databases",
        flavour="tech",
        tags=("databases", "sql", "postgres", "performance"),
        subjects=(
            "query plans",
            "indexes",
            "connection pooling",
            "schema migrations",
            "write skew",
            "vacuum",
            "sharding",
            "read replicas",
        ),
        facts=(
            "An index is a promise you pay for on every write.",
            "The query planner is usually right; when it is not, the statistics are usually stale.",
            "A migration that cannot be rolled back should at least be boring to roll forward.",
        ),
        snippets=(
            (
                "sql",
                "EXPLAIN (ANALYZE, BUFFERS)\nSELECT a.title, count(c.id) AS comments\nFROM articles a\n"
                "LEFT JOIN comments c ON c.article_id = a.id\n"
                "GROUP BY a.id\nORDER BY comments DESC\nLIMIT 10;",
            ),
        ),
    ),
    Topic(
        name="systems programming",
        flavour="tech",
        tags=("rust", "go", "systems", "performance"),
        subjects=(
            "the borrow checker",
            "goroutines",
            "error handling",
            "zero-copy parsing",
            "cargo workspaces",
            "channels",
            "memory layout",
        ),
        facts=(
            "The compiler's error messages are a better teacher than most books.",
            "Copying data is cheaper than you think; sharing it is more expensive than you think.",
            "A benchmark without a profile is a rumour.",
        ),
        snippets=(
            (
                "rust",
                "fn parse_pair(line: &str) -> Option<(&str, &str)> {\n"
                "    let (key, value) = line.split_once('=')?;\n    Some((key.trim(), value.trim()))\n}",
            ),
            (
                "go",
                "func worker(jobs <-chan Job, results chan<- Result) {\n"
                "\tfor job := range jobs {\n\t\tresults <- job.Run()\n\t}\n}",
            ),
        ),
    ),
    Topic(
        name="careers in tech",
        flavour="tech",
        tags=("career", "productivity", "leadership", "discuss"),
        templates=(
            "What I learned about {subject}",
            "Getting better at {subject}",
            "{Subject}: what I wish I had known",
            "A field guide to {subject}",
            "Notes on {subject} after ten years",
            "The quiet skill of {subject}",
        ),
        subjects=(
            "code review",
            "being on call",
            "technical interviews",
            "mentoring",
            "design docs",
            "saying no",
            "remote work",
            "the first ninety days",
        ),
        facts=(
            "The most useful review comment I ever got was a question, not an instruction.",
            "A written decision survives the meeting; a spoken one rarely survives the week.",
            "Nobody remembers how fast you shipped; they remember whether it broke.",
        ),
    ),
    Topic(
        name="security",
        flavour="tech",
        tags=("security", "webdev", "auth", "devops"),
        subjects=(
            "token expiry",
            "password hashing",
            "CSRF",
            "dependency audits",
            "secret rotation",
            "threat modelling",
            "rate limiting",
        ),
        facts=(
            "Attackers read your error messages more carefully than your users do.",
            "A secret that has never been rotated is a secret you cannot rotate in an emergency.",
            "Most breaches I have read about started with something boring.",
        ),
        snippets=(
            (
                "python",
                "import hashlib\nimport hmac\n\n\ndef same(a: str, b: str) -> bool:\n"
                "    # Constant time, so the comparison leaks nothing about where they differ.\n"
                "    return hmac.compare_digest(hashlib.sha256(a.encode()).digest(), "
                "hashlib.sha256(b.encode()).digest())",
            ),
        ),
    ),
    Topic(
        name="data",
        flavour="tech",
        tags=("datascience", "machinelearning", "python", "analytics"),
        subjects=(
            "A/B tests",
            "notebooks in production",
            "data contracts",
            "feature stores",
            "embeddings",
            "dashboards nobody reads",
            "sampling bias",
        ),
        facts=(
            "The hardest part of every model I shipped was agreeing on what the label meant.",
            "A chart without its denominator is an opinion.",
            "Stopping an experiment early because it looks good is how you fool yourself.",
        ),
        snippets=(
            (
                "python",
                'weekly = (\n    events.groupby(pd.Grouper(key="at", freq="W"))["user_id"]\n'
                '    .nunique()\n    .rename("active_users")\n)',
            ),
        ),
    ),
    Topic(
        name="travel",
        flavour="travel",
        tags=("travel", "photography", "citybreaks", "slowtravel"),
        subjects=(
            "Ærø",
            "Kraków",
            "Reykjavík",
            "Lisbon",
            "Kyoto",
            "Tbilisi",
            "Oaxaca",
            "Thessaloníki",
            "Tromsø",
            "Ljubljana",
            "Saint Petersburg",
        ),
        facts=(
            "The ferry runs less often than the timetable suggests, so keep a day of slack.",
            "The best meals were in places without a menu in English.",
            "Walking the same street in the morning and at night is like visiting two cities.",
            "Every photo I like from the trip was taken in the first hour after sunrise.",
        ),
        templates=(
            "Three days in {subject}",
            "Postcards from {subject}",
            "{Subject} on a budget",
            "{Subject} off season",
            "A slow week in {subject}",
            "What to eat in {subject}",
        ),
        titles=(
            ("Ærø rundt på cykel", "Ærø"),
            ("Открытки из Санкт-Петербурга", "Saint Petersburg"),
            ("Ένα καλοκαίρι στη Θεσσαλονίκη", "Thessaloníki"),
            ("京都の紅葉を見に行く", "Kyoto"),
        ),
    ),
    Topic(
        name="cooking",
        flavour="craft",
        tags=("cooking", "food", "baking", "recipes"),
        subjects=(
            "sourdough",
            "ramen broth",
            "fermentation",
            "cast iron",
            "knife skills",
            "weeknight curry",
            "crème brûlée",
            "meal prep",
        ),
        facts=(
            "Weigh everything; cups lie.",
            "Salt early, taste often, and trust your nose before the timer.",
            "A sharp knife is safer than a dull one, because it goes where you aim it.",
        ),
        templates=(
            "A beginner's guide to {subject}",
            "{Subject}, slowly",
            "What a month of {subject} taught me",
            "Making time for {subject}",
            "My {subject} mistakes, so you can skip them",
        ),
    ),
    Topic(
        name="the outdoors",
        flavour="craft",
        tags=("hiking", "outdoors", "running", "camping"),
        subjects=(
            "ultralight packing",
            "trail running",
            "winter camping",
            "map and compass",
            "long-distance walking",
            "bikepacking",
        ),
        facts=(
            "The weather forecast in the mountains is a suggestion, not a promise.",
            "Blisters are a packing problem, not a walking problem.",
            "Turning back early is the decision you never regret.",
        ),
        templates=(
            "A beginner's guide to {subject}",
            "What a year of {subject} taught me",
            "Notes on {subject}",
            "Making time for {subject}",
            "{Subject} without the gear obsession",
        ),
    ),
    Topic(
        name="design",
        flavour="tech",
        tags=("design", "ux", "frontend", "accessibility"),
        subjects=(
            "design systems",
            "empty states",
            "dark mode",
            "form validation",
            "typography",
            "onboarding flows",
        ),
        facts=(
            "An empty state is the first screen most users ever see.",
            "If a form needs instructions, the form is the problem.",
            "Contrast ratios are not a matter of taste.",
        ),
    ),
)

GENERIC_TAGS = ("beginners", "tutorial", "opinion", "discuss", "showdev")

INTROS = {
    "tech": (
        "I have worked with {subject} for a while now, and my opinion of it has changed more than once.",
        "Every team I have joined had a different story about {subject}.",
        "This started as a note to myself after a long week spent on {subject}.",
        "If you have ever lost an afternoon to {subject}, this post is for you.",
        "A friend asked me how we approach {subject}, and the answer did not fit in a chat message.",
    ),
    "travel": (
        "I went to {subject} with a plan and came back with a better one.",
        "Friends kept asking about {subject}, so here is everything in one place.",
        "I had wanted to see {subject} for years; this spring I finally went.",
        "Nobody warned me how much I would love {subject}.",
    ),
    "craft": (
        "I had put off {subject} for years; this spring I finally stopped finding excuses.",
        "Friends kept asking about {subject}, so here is everything in one place.",
        "Nobody warned me how much I would enjoy {subject}.",
        "This is the guide to {subject} I wanted when I started.",
    ),
}
SENTENCES = {
    "tech": (
        "The first thing to understand is that {subject} is a trade-off, not a feature.",
        "Most of the pain came from treating {subject} as an afterthought.",
        "We measured before changing anything, which turned out to be the most useful step.",
        "The documentation is good, but it assumes you already know why you need {subject}.",
        "Comparing it with {other} made the differences much clearer.",
        "Small, boring steps beat one heroic rewrite every time.",
        "It is tempting to reach for a framework here; resist it until the problem is clear.",
        "Once we wrote the rules down, new people on the team picked them up in days.",
        "The surprising part was how much simpler the code became.",
        "None of this is new, but it is easy to forget under a deadline.",
        "We kept a log of every surprise, and patterns showed up within a week.",
        "Getting {subject} wrong is rarely dramatic; it is slow and expensive.",
    ),
    "travel": (
        "Go slower than you think you need to.",
        "Bring less than you think; you can buy what you forgot.",
        "The weather decided half of the plan for us, and the other half was luck.",
        "The best advice I got came from a stranger at the next table.",
        "Compared with {other}, {subject} felt calmer and more personal.",
        "I wrote everything down each evening, which is why this post exists.",
        "Nothing went exactly as planned, and that was the good part.",
        "Travelling with friends made the long days feel short.",
        "By the third day I had a routine, and the routine made room for surprises.",
    ),
    "craft": (
        "It took three attempts before it felt natural.",
        "Go slower than you think you need to.",
        "The best advice I got came from someone who had done it for forty years.",
        "Compared with {other}, {subject} asks for more patience and gives more back.",
        "I kept notes every time, which is why this post exists.",
        "Nothing went exactly as planned, and that was the good part.",
        "Doing it with friends made the hard days feel short.",
        "Cheap gear is fine at first; learn what you actually need before you buy more.",
    ),
}
CLOSINGS = {
    "tech": (
        "That is where we are today. I would love to hear how others handle {subject}.",
        "If you take one thing away: measure first, then change one thing at a time.",
        "Next time I will write about {other}, which deserves a post of its own.",
        "Thanks for reading, and tell me in the comments what I missed.",
    ),
    "travel": (
        "I am already planning the next trip. Tips for {other} are very welcome.",
        "If you go, tell me what you found; I am sure I missed the best parts.",
        "Thanks for reading. Next up: {other}.",
    ),
    "craft": (
        "Next I want to try {other}; tips are very welcome.",
        "If you try it, tell me how it went.",
        "Thanks for reading. Next up: {other}.",
    ),
}
HEADINGS = {
    "tech": (
        "Where we started",
        "What went wrong",
        "What we changed",
        "The numbers",
        "What I would do differently",
        "The short version",
    ),
    "travel": ("Getting there", "What to bring", "The best day", "What I would skip", "Before you go"),
    "craft": (
        "Getting started",
        "What you need",
        "What went wrong",
        "What finally worked",
        "Before you start",
    ),
}
POINTS = {
    "tech": (
        "Write down what you expect before you measure.",
        "Keep the first version small enough to throw away.",
        "Automate the check, not just the fix.",
        "Ask whoever is on call what hurts most.",
        "Prefer the boring option until it stops working.",
        "Read the error message twice.",
        "Leave a comment that says why, not what.",
    ),
    "travel": (
        "Start early; the light and the quiet are worth it.",
        "Carry cash for the small places.",
        "Learn five words of the language; people notice.",
        "Book the first night and improvise the rest.",
        "Pack a spare pair of socks, always.",
        "Eat where the locals queue.",
    ),
    "craft": (
        "Start smaller than you think.",
        "Write down what you did, every time.",
        "Buy the basic tool first and the fancy one never.",
        "Ask someone who has done it for years.",
        "Expect the first attempt to fail.",
        "Rest is part of the practice.",
    ),
}
#: Blockquotes with who said them.
QUOTES = (
    ("Make it work, make it right, make it fast.", "Kent Beck"),
    ("Simplicity is prerequisite for reliability.", "Edsger W. Dijkstra"),
    ("Premature optimization is the root of all evil.", "Donald Knuth"),
    ("Not all those who wander are lost.", "J. R. R. Tolkien"),
    ("The journey of a thousand miles begins with one step.", "Lao Tzu"),
)
DESCRIPTIONS = {
    "tech": (
        "What I learned about {subject}, and what I would do differently.",
        "A practical look at {subject}, with the mistakes left in.",
        "Notes on {subject} from a year of running it in production.",
        "Why {subject} matters more than it seems, and how to get it right.",
    ),
    "travel": (
        "Everything I wish I had known before visiting {subject}.",
        "A few notes, tips and favourite moments from {subject}.",
        "Honest notes on {subject}, the sunny days and the wet ones.",
    ),
    "craft": (
        "Everything I wish I had known before starting {subject}.",
        "A few notes and tips on {subject}, from a happy beginner.",
        "Honest notes on {subject}, the good attempts and the failed ones.",
    ),
}
COMMENTS = {
    "tech": (
        "Great write-up! The part about {subject} matches what we saw.",
        "We hit exactly this with {subject} last quarter. Wish I had read it then.",
        "Thanks for sharing, bookmarking this for the next time someone asks.",
        "Have you tried {other}? Curious how it compares for you.",
        "This is the clearest explanation of {subject} I have read.",
        "I disagree a little: for a small team, {subject} is often overkill.",
        "The checklist alone is worth the read.",
        "Tried this over the weekend and it worked on the first go.",
    ),
    "travel": (
        "This makes me want to book a trip to {subject} right now.",
        "Adding {subject} to my list for next year!",
        "Great tips. How did {other} compare?",
        "The part about packing light is so true.",
        "Lovely write-up, thank you for the details.",
        "We went last summer and loved it too.",
    ),
    "craft": (
        "This makes me want to try {subject} this weekend.",
        "Great tips. Have you tried {other}?",
        "The bit about starting small is so true.",
        "Lovely write-up, thank you for the details.",
        "Saving this for my first attempt.",
        "Tried it last weekend: it worked!",
    ),
}
