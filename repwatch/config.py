"""Loading and validating config.yaml: every problem reported at once, with key path and line."""

from __future__ import annotations

import difflib
import os
import re
import typing
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from collector import registry
from collector.base import HttpUrl, env_var_is_set
from reports.digest_settings import DigestSettings, SourceSettings
from sentiment.labels import THEMES

_DURATION = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def did_you_mean(value: str, names: Iterable[str]) -> str:
    """'; did you mean 'x'?' for the nearest of `names`, or '' when none is near."""
    close = difflib.get_close_matches(value, list(names), n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


def parse_duration(value: Any) -> timedelta:
    """'90s', '30m', '1h', '2d', '1w' (or a timedelta) as a timedelta."""
    if isinstance(value, timedelta):
        return value
    match = _DURATION.match(str(value))
    if not match or int(match.group(1)) == 0:
        raise ValueError(f"{value!r} is not a duration like 30m, 1h, 2d or 1w")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _email(value: str) -> str:
    if not _EMAIL.match(value):
        raise ValueError(f"{value!r} is not an email address")
    return value


def _no_line_breaks(value: str) -> str:
    if "\r" in value or "\n" in value:
        raise ValueError("must not contain line breaks")
    return value


Duration = Annotated[timedelta, BeforeValidator(parse_duration)]
Email = Annotated[str, AfterValidator(_email)]
SingleLine = Annotated[str, AfterValidator(_no_line_breaks)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DatabaseConfig(Strict):
    url: str = "sqlite:///repwatch.db"


class BrandConfig(Strict):
    name: SingleLine = Field(min_length=1)
    keywords: list[str] = []
    hashtags: list[str] = []
    apple_app_ids: list[str] = []
    google_play_ids: list[str] = []


class CompetitorConfig(BrandConfig):
    """Tracked like a brand (its own terms and sources) to compare with, never alerted on."""

    competitor_of: list[SingleLine] = Field(min_length=1)
    digest: bool = False  # a weekly digest of its own as well


class SourceConfig(Strict):
    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", max_length=200)
    kind: str
    brand: str
    enabled: bool = True
    every: Duration = timedelta(hours=1)
    params: Any = {}


class NetworkConfig(Strict):
    allow_private_hosts: bool = False
    timeout_seconds: float = Field(20.0, gt=0, allow_inf_nan=False)
    max_retries: int = Field(4, ge=0, le=10)
    max_response_mb: float = Field(20.0, gt=0, le=1024, allow_inf_nan=False)
    min_seconds_between_requests: float = Field(1.0, ge=0, allow_inf_nan=False)
    request_deadline_seconds: float = Field(60.0, gt=0, allow_inf_nan=False)
    source_deadline_seconds: float = Field(600.0, gt=0, allow_inf_nan=False)


class CollectionConfig(Strict):
    backfill_days: int = Field(30, ge=1, le=3650)


class CustomTheme(Strict):
    name: str
    description: str = Field(min_length=10)
    examples: list[str] = Field(min_length=5)

    @field_validator("name")
    @classmethod
    def _name_is_new_identifier(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("theme names are lowercase letters, digits and underscores")
        if name in THEMES:
            raise ValueError(f"{name!r} is a default theme; pick another name")
        return name


class ThemesConfig(Strict):
    disabled: list[Literal[THEMES]] = []  # type: ignore[valid-type]
    custom: list[CustomTheme] = []

    @property
    def enabled_defaults(self) -> list[str]:
        return [name for name in THEMES if name not in self.disabled]


class ModelConfig(Strict):
    path: str | None = None
    sentiment_model: str | None = None
    languages: list[str] = ["en"]
    batch_size: int = Field(64, ge=1, le=4096)
    quantize: bool = True  # int8 encoder: faster, costs under 0.01 of either metric (MODEL_CARD.md)
    cache_dir: str = ".repwatch-cache"


class DigestConfig(Strict):
    schedule: str = "0 8 * * mon"
    timezone: str = "UTC"
    recipients: list[Email] = []
    output_dir: str = "digests"
    trend_weeks: int = Field(12, ge=8, le=52)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {name!r}") from exc
        return name

    @field_validator("schedule")
    @classmethod
    def _cron(cls, expression: str) -> str:
        from apscheduler.triggers.cron import CronTrigger

        try:
            CronTrigger.from_crontab(expression)
        except ValueError as exc:
            raise ValueError(f"not a crontab expression ({exc})") from exc
        return expression


class AlertsConfig(Strict):
    enabled: bool = True
    check_every: Duration = timedelta(hours=1)
    sensitivity: Literal["low", "medium", "high"] = "medium"
    min_count: int = Field(5, ge=1)
    repeat_every: Duration = timedelta(hours=24)
    recipients: list[Email] = []
    webhook_url: str | None = None
    webhook_url_env: str | None = None  # or name the variable holding it: such URLs are secrets
    digest_url: HttpUrl | None = None  # where digests are published; alerts link nowhere else
    # Chat through Apprise: names of environment variables, each holding one Apprise URL
    # (slack://..., msteams://..., discord://..., tgram://...). Read when an alert is sent.
    apprise_urls_env: list[str] = []

    _check_webhook_url_env = field_validator("webhook_url_env")(env_var_is_set)

    @model_validator(mode="after")
    def _one_webhook_setting(self) -> AlertsConfig:
        if self.webhook_url and self.webhook_url_env:
            raise ValueError("set webhook_url or webhook_url_env, not both")
        return self


class SmtpConfig(Strict):
    host: str
    port: int = Field(587, ge=1, le=65535)
    tls: Literal["starttls", "tls", "none"] = "starttls"
    user: str | None = None
    password_env: str | None = None
    sender: Email
    timeout_seconds: float = Field(30.0, gt=0)

    _check_password_env = field_validator("password_env")(env_var_is_set)


class WebConfig(Strict):
    """`repwatch serve`: who may use the dashboard when it listens beyond loopback."""

    user: str = "admin"
    password_hash: str | None = None  # from `repwatch serve --hash-password`
    password_hash_env: str | None = None  # or the environment variable holding that hash
    proxy_user_header: str | None = None  # trust this header set by an authenticating proxy

    _check_password_hash_env = field_validator("password_hash_env")(env_var_is_set)


class Config(Strict):
    database: DatabaseConfig = DatabaseConfig()
    brands: list[BrandConfig] = Field(min_length=1)
    competitors: list[CompetitorConfig] = []
    sources: list[SourceConfig] = []
    network: NetworkConfig = NetworkConfig()
    collection: CollectionConfig = CollectionConfig()
    themes: ThemesConfig = ThemesConfig()
    model: ModelConfig = ModelConfig()
    digest: DigestConfig = DigestConfig()
    alerts: AlertsConfig = AlertsConfig()
    smtp: SmtpConfig | None = None
    web: WebConfig = WebConfig()

    def source(self, name: str) -> SourceConfig:
        for source in self.sources:
            if source.name == name:
                return source
        raise KeyError(f"no source named {name!r} in the config")

    @property
    def theme_names(self) -> list[str]:
        """Every theme a mention can carry: the defaults and the custom ones."""
        return [*THEMES, *(theme.name for theme in self.themes.custom)]

    def brand(self, name: str) -> BrandConfig:
        """The brand or competitor called `name` (sources may belong to either)."""
        return next(brand for brand in [*self.brands, *self.competitors] if brand.name == name)

    def competitors_of(self, brand: str) -> list[CompetitorConfig]:
        return [competitor for competitor in self.competitors if brand in competitor.competitor_of]

    def digest_brands(self) -> list[str]:
        """Who gets a weekly digest: every brand, and the competitors that ask for one."""
        return [b.name for b in self.brands] + [c.name for c in self.competitors if c.digest]

    def digest_settings(self) -> DigestSettings:
        """The digest's own settings: what it reads of brands, themes, sources and `digest`."""
        return DigestSettings(
            brands=tuple(self.digest_brands()),
            themes=(*self.themes.enabled_defaults, *(theme.name for theme in self.themes.custom)),
            sources=tuple(SourceSettings(source.name, source.kind, source.brand, source.enabled,
                                         source.every) for source in self.sources),
            timezone=self.digest.timezone,
            trend_weeks=self.digest.trend_weeks,
            output_dir=Path(self.digest.output_dir),
            recipients=tuple(self.digest.recipients),
            competitors={brand.name: tuple(c.name for c in self.competitors_of(brand.name))
                         for brand in self.brands},
        )

    def secret_env_names(self) -> list[str]:
        """Every environment variable the config names as holding a secret (`*_env` keys)."""
        names = [self.smtp.password_env] if self.smtp and self.smtp.password_env else []
        if self.alerts.webhook_url_env:
            names.append(self.alerts.webhook_url_env)
        names.extend(self.alerts.apprise_urls_env)
        for source in self.sources:
            params = source.params if isinstance(source.params, BaseModel) else None
            for key, value in (params.model_dump() if params else {}).items():
                if key.endswith("_env") and isinstance(value, str):
                    names.append(value)
        return names


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.path or '(top level)'}: {self.message}"


class ConfigError(Exception):
    """The config has problems; `problems` lists every one, in file order."""

    def __init__(self, origin: str, problems: list[Problem]) -> None:
        self.origin = origin
        self.problems = sorted(problems, key=lambda p: (p.line or 0, p.path))
        if len(self.problems) == 1:
            super().__init__(f"{origin}: {self.problems[0]}")
            return
        lines = "\n".join(f"  {problem}" for problem in self.problems)
        super().__init__(f"{origin}: {len(self.problems)} problems\n{lines}")


def _key_path(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _line_index(node: yaml.Node | None) -> dict[tuple[Any, ...], int]:
    """Map each key path in the YAML document to its 1-based line."""
    lines: dict[tuple[Any, ...], int] = {}

    def walk(current: yaml.Node, path: tuple[Any, ...]) -> None:
        lines.setdefault(path, current.start_mark.line + 1)
        if isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                child = (*path, key.value)
                lines[child] = key.start_mark.line + 1
                walk(value, child)
        elif isinstance(current, yaml.SequenceNode):
            for index, item in enumerate(current.value):
                walk(item, (*path, index))

    if node is not None:
        walk(node, ())
    return lines


def _line_for(loc: tuple[Any, ...], lines: Mapping[tuple[Any, ...], int]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def _keys_at(model: type[BaseModel], path: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at `path` (through nested models, lists and optionals)."""
    current: Any = model
    for part in path:
        if isinstance(part, int):
            continue
        fields = current.model_fields if isinstance(current, type) and issubclass(current, BaseModel) else {}
        if part not in fields:
            return []
        current = fields[part].annotation
        while not (isinstance(current, type) and issubclass(current, BaseModel)):
            inner = [arg for arg in typing.get_args(current) if arg is not type(None)]
            if not inner:
                return []
            current = inner[0]
    return list(current.model_fields) if isinstance(current, type) and issubclass(current, BaseModel) else []


def _pydantic_problems(
    exc: ValidationError, lines: Mapping[tuple[Any, ...], int], prefix: tuple[Any, ...] = (),
    model: type[BaseModel] | None = None,
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        own = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
        loc = (*prefix, *own)
        message = str(error["msg"]).removeprefix("Value error, ")
        if error["type"] == "extra_forbidden" and model is not None and own:
            message += did_you_mean(str(own[-1]), _keys_at(model, own[:-1]))
        problems.append(Problem(_key_path(loc), message, _line_for(loc, lines)))
    return problems


def _source_params_problems(
    raw: Any, lines: Mapping[tuple[Any, ...], int], env: Mapping[str, str], check_secrets: bool
) -> tuple[list[Problem], dict[int, Any]]:
    """Validate each source's `params` with its collector's own model."""
    problems: list[Problem] = []
    validated: dict[int, Any] = {}
    if not isinstance(raw, dict) or not isinstance(raw.get("sources"), list):
        return problems, validated
    for index, source in enumerate(raw["sources"]):
        if not isinstance(source, dict) or not isinstance(source.get("kind"), str):
            continue
        loc: tuple[Any, ...] = ("sources", index)
        try:
            collector_class = registry.get(source["kind"])
        except registry.UnknownSourceKind as exc:
            problems.append(Problem(_key_path((*loc, "kind")), str(exc), lines.get((*loc, "kind"))))
            continue
        try:
            validated[index] = collector_class.Params.model_validate(
                source.get("params") or {},
                context={"env": env,
                         "check_env": check_secrets and source.get("enabled", True) is not False},
            )
        except ValidationError as exc:
            problems += _pydantic_problems(exc, lines, (*loc, "params"), collector_class.Params)
    return problems, validated


def _cross_reference_problems(raw: dict[str, Any], lines: Mapping[tuple[Any, ...], int]) -> list[Problem]:
    """Checks between sections: unique names, sources naming a known brand, smtp for recipients."""
    problems = []

    def add(loc: tuple[Any, ...], message: str) -> None:
        problems.append(Problem(_key_path(loc), message, _line_for(loc, lines)))

    brands = [b.get("name") for b in _list(raw.get("brands")) if isinstance(b, dict)]
    for index, name in enumerate(brands):
        if name in brands[:index]:
            add(("brands", index, "name"), f"brand {name!r} is defined twice")
    competitors = [c.get("name") for c in _list(raw.get("competitors")) if isinstance(c, dict)]
    for index, competitor in enumerate(_list(raw.get("competitors"))):
        if not isinstance(competitor, dict):
            continue
        name = competitor.get("name")
        if name in brands or name in competitors[:index]:
            add(("competitors", index, "name"), f"{name!r} is already defined as a "
                f"{'brand' if name in brands else 'competitor'}; every name is used once")
        for position, brand in enumerate(_list(competitor.get("competitor_of"))):
            if brand not in brands:
                known = ", ".join(repr(b) for b in brands if isinstance(b, str)) or "none"
                add(("competitors", index, "competitor_of", position),
                    f"{brand!r} is not one of the brands (brands: {known})")
    seen: set[str] = set()
    for index, source in enumerate(_list(raw.get("sources"))):
        if not isinstance(source, dict):
            continue
        if source.get("name") in seen:
            add(("sources", index, "name"), f"source {source.get('name')!r} is defined twice")
        seen.add(str(source.get("name")))
        if "brand" in source and source["brand"] not in brands + competitors:
            either = " or competitors" if competitors else ""
            add(("sources", index, "brand"), f"{source['brand']!r} is not one of the brands{either}")
    for section in ("digest", "alerts"):
        block = raw.get(section)
        if isinstance(block, dict) and block.get("recipients") and not raw.get("smtp"):
            add((section, "recipients"), "recipients are set but there is no smtp section")
    return problems


def _moved_competitors_problems(
    raw: dict[str, Any], lines: Mapping[tuple[Any, ...], int]
) -> list[Problem]:
    """`brands[].competitors: [names]` (read by nothing before) moved to a section of its own.

    The old key is taken out of `raw` so the problem is reported once, with how to migrate.
    """
    problems = []
    for index, brand in enumerate(_list(raw.get("brands"))):
        if isinstance(brand, dict) and "competitors" in brand:
            names = ", ".join(str(n) for n in _list(brand.pop("competitors"))) or "each competitor"
            loc = ("brands", index, "competitors")
            problems.append(Problem(_key_path(loc), (
                f"competitors now have their own top-level `competitors:` section; move {names} "
                f"there as `- name: ...` with `competitor_of: [{brand.get('name')}]` and its own "
                "keywords, app ids and sources (see config.example.yaml)"), _line_for(loc, lines)))
    return problems


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


MAX_CONFIG_BYTES = 1_000_000
MAX_YAML_VALUES = 100_000


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """How many values `node` becomes once every alias is expanded (each shared node counted once
    per use, computed once): an alias bomb is small as text and huge here."""
    if id(node) in sizes:
        return sizes[id(node)]
    if id(node) in open_nodes:
        raise ValueError("an alias refers to the node that contains it")
    open_nodes.add(id(node))
    size = 1
    if isinstance(node, yaml.SequenceNode):
        size += sum(_expanded_size(item, sizes, open_nodes) for item in node.value)
    elif isinstance(node, yaml.MappingNode):
        size += sum(_expanded_size(key, sizes, open_nodes) + _expanded_size(value, sizes, open_nodes)
                    for key, value in node.value)
    open_nodes.discard(id(node))
    sizes[id(node)] = size
    return size


def _load_yaml(text: str, origin: str) -> tuple[Any, dict[tuple[Any, ...], int]]:
    """The parsed document and its line index, refusing what would expand past MAX_YAML_VALUES."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, {}
        try:
            size = _expanded_size(node, {}, set())
        except (ValueError, RecursionError) as exc:
            message = str(exc) if isinstance(exc, ValueError) else "nested too deeply"
            raise ConfigError(origin, [Problem("(yaml)", f"refused: {message}")]) from exc
        if size > MAX_YAML_VALUES:
            raise ConfigError(origin, [Problem("(yaml)", (
                f"refused: aliases (*name) expand it to {size:,} values, over the limit of "
                f"{MAX_YAML_VALUES:,}; write the values out, or use fewer nested aliases"))])
        return loader.construct_document(node), _line_index(node)
    finally:
        loader.dispose()


def parse_config(text: str, origin: str = "config", env: Mapping[str, str] | None = None,
                 check_secrets: bool = True) -> Config:
    """Validate config text; raise ConfigError listing every problem with its key path and line.

    `check_secrets`: the variables that `*_env` keys name must be set. Commands pass False and
    read each secret where they use it, so `alerts list` runs without the SMTP password.
    """
    env = os.environ if env is None else env
    try:
        raw, lines = _load_yaml(text, origin)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(origin, [Problem("(yaml)", f"not valid YAML: {problem}", line)]) from exc
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(origin, [Problem("", "the file must be a mapping of sections", 1)])
    problems, params = _source_params_problems(raw, lines, env, check_secrets)
    problems += _moved_competitors_problems(raw, lines)
    problems += _cross_reference_problems(raw, lines)
    config = None
    try:
        config = Config.model_validate(raw, context={"env": env, "check_env": check_secrets})
    except ValidationError as exc:
        problems += _pydantic_problems(exc, lines, model=Config)
    if problems or config is None:
        raise ConfigError(origin, problems)
    sources = [
        source.model_copy(update={"params": params[index]})
        for index, source in enumerate(config.sources)
    ]
    return config.model_copy(update={"sources": sources})


def load_config(path: str | Path, env: Mapping[str, str] | None = None,
                check_secrets: bool = True) -> Config:
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(str(path), [Problem("", (
                f"the file is {path.stat().st_size:,} bytes; a config over {MAX_CONFIG_BYTES:,} "
                "bytes is refused"))])
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(str(path), [Problem("", "file not found (run `repwatch init`)")]) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(str(path), [Problem("", f"cannot read the file: {exc}")]) from exc
    return parse_config(text, str(path), env, check_secrets)


def example_config_text() -> str:
    """The commented example shipped with the package (the source of `repwatch init`)."""
    return (Path(__file__).parent / "config.example.yaml").read_text(encoding="utf-8")
