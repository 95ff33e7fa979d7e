"""docker-compose.yml, the Dockerfile and the docs agree with each other and with the project.

No Docker engine is needed: these tests read the files, and check what compose would run
against the code (modules, Celery app, manage.py commands, URLs, dependencies, settings).
They need neither the database nor Redis.
"""

import ast
import json
import os
import re
import runpy
import shlex
import subprocess
import sys
import tomllib
import types
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from django.core.management import get_commands
from django.urls import Resolver404, resolve
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
README = ROOT / "README.md"
COMPOSE_DOCS = ROOT / "docs" / "docker-compose.md"

REQUIRED_SERVICES = {"postgres", "redis", "mailpit", "web", "worker", "beat"}
APP_SERVICES = ("web", "worker", "beat")
HEALTH_CONDITIONS = {"service_started", "service_healthy", "service_completed_successfully"}

# An image reference as the distribution spec defines it: [domain[:port]/]path[:tag][@digest].
_DOMAIN = (
    r"(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*"
)
_PATH = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
IMAGE_REF = re.compile(
    rf"^(?:{_DOMAIN}(?::[0-9]+)?/)?{_PATH}(?:/{_PATH})*"
    r"(?::[\w][\w.-]{0,127})?"
    r"(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?$"
)
# What compose interpolates: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?err}, ...; $$ is a
# literal dollar. Any other "$" is an error or a silent blank.
INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?P<op>:?[-?+])?(?P<arg>[^}]*)\}"
)


@pytest.fixture(autouse=True)
def _clear_shared_cache():
    """Overrides the suite-wide Redis flush: these tests read files and touch no service."""
    yield


# ---------------------------------------------------------------------------------------------
# Reading the files


@cache
def compose() -> dict:
    assert COMPOSE_FILE.is_file(), f"{COMPOSE_FILE} is missing"
    return yaml.safe_load(COMPOSE_FILE.read_text())


def services() -> dict:
    return compose()["services"]


def service(name: str) -> dict:
    assert name in services(), f"docker-compose.yml has no service {name!r}"
    return services()[name]


def argv(command) -> list[str]:
    """A compose command (string or list) as the argv it runs."""
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def command_of(name: str) -> list[str]:
    command = service(name).get("command")
    assert command, f"service {name!r} has no command"
    return argv(command)


def environment_of(name: str) -> dict[str, str]:
    environment = service(name).get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def interpolate(value: str) -> str:
    """The value compose gives a variable that is not set in the shell: its default."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        assert match.group("op") in (":-", "-"), (
            f"${{{match.group('name')}}} has no default: it would be blank unless exported"
        )
        return match.group("arg")

    return INTERPOLATION.sub(replace, value)


def resolved_environment(name: str) -> dict[str, str]:
    return {key: interpolate(value) for key, value in environment_of(name).items()}


def depends_on(name: str) -> dict[str, str]:
    """{service: condition}, from either the list or the mapping form."""
    dependencies = service(name).get("depends_on") or {}
    if isinstance(dependencies, list):
        return dict.fromkeys(dependencies, "service_started")
    return {
        target: (options or {}).get("condition", "service_started")
        for target, options in dependencies.items()
    }


def published_ports(name: str) -> dict[int, int]:
    """{container port: host port} for a service's ports, short or long syntax."""
    ports = {}
    for entry in service(name).get("ports") or []:
        if isinstance(entry, dict):
            ports[int(entry["target"])] = int(entry.get("published", entry["target"]))
            continue
        parts = str(entry).split("/")[0].split(":")
        container = int(parts[-1])
        ports[container] = int(parts[-2]) if len(parts) > 1 else container
    return ports


def healthcheck_argv(name: str) -> list[str]:
    test = (service(name).get("healthcheck") or {}).get("test")
    assert test, f"service {name!r} has no healthcheck"
    if isinstance(test, str):
        return ["CMD-SHELL", test]
    return [str(part) for part in test]


def option(args: list[str], *names: str) -> str | None:
    """The value of a command-line option given as `--name value` or `--name=value`."""
    for index, arg in enumerate(args):
        for name in names:
            if arg == name and index + 1 < len(args):
                return args[index + 1]
            if arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def services_line(path: Path) -> list[str]:
    """The backticked names on the line of `path` that starts with "Services:"."""
    if not path.is_file():
        pytest.fail(f"{path.relative_to(ROOT)} does not exist: it must document the compose stack")
    for line in path.read_text().splitlines():
        if line.strip().startswith("Services:"):
            names = re.findall(r"`([^`]+)`", line)
            if not names:
                pytest.fail(f"{path.name}'s `Services:` line names no `service`: {line!r}")
            return names
    pytest.fail(
        f"{path.relative_to(ROOT)} has no line starting with 'Services:' (e.g. "
        '"Services: `postgres`, `redis`, `web`, `worker`, `beat`, `mailpit`.") in its '
        "docker compose section"
    )


@cache
def dockerfile() -> list[tuple[str, str]]:
    """The Dockerfile's instructions as (INSTRUCTION, arguments), continuations joined."""
    assert DOCKERFILE.is_file(), f"{DOCKERFILE} is missing"
    instructions, pending = [], ""
    for raw in DOCKERFILE.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        instructions.append((keyword.upper(), " ".join(arguments.split())))
        pending = ""
    assert not pending, "the Dockerfile ends in a line continuation"
    return instructions


def dockerfile_index(predicate) -> int:
    for index, (keyword, arguments) in enumerate(dockerfile()):
        if predicate(keyword, arguments):
            return index
    return -1


def project_dependencies() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {Requirement(dependency).name.lower() for dependency in project["dependencies"]}


def manage_py_commands(args: list[str]) -> list[str]:
    """The manage.py subcommand an argv runs, if any."""
    for index, arg in enumerate(args[:-1]):
        if arg == "manage.py" or arg.endswith("/manage.py"):
            return [args[index + 1]]
    return []


def module_defines(path: Path, name: str) -> bool:
    tree = ast.parse(path.read_text())
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AnnAssign):
            targets = [node.target]
        if any(isinstance(target, ast.Name) and target.id == name for target in targets):
            return True
    return False


# ---------------------------------------------------------------------------------------------
# The docs name the services that exist


def test_readme_names_only_services_that_exist():
    names = services_line(README)
    missing = sorted(set(names) - set(services()))
    assert not missing, f"README.md names services docker-compose.yml lacks: {missing}"


def test_compose_docs_name_every_service():
    assert set(services_line(COMPOSE_DOCS)) == set(services())


def test_the_stack_has_every_required_service():
    missing = REQUIRED_SERVICES - set(services())
    assert not missing, f"docker-compose.yml lacks services: {sorted(missing)}"


def test_docs_use_manage_py_commands_that_exist():
    text = COMPOSE_DOCS.read_text()
    assert "docker compose up --build" in text
    assert "http://localhost:8025" in text
    named = re.findall(r"docker compose run --rm (\S+) python manage\.py (\w+)", text)
    assert {command for _, command in named} >= {"createsuperuser", "seed_demo"}
    for service_name, command in named:
        assert service_name in services()
        assert command in get_commands(), f"the docs run an unknown command: manage.py {command}"


# ---------------------------------------------------------------------------------------------
# One environment for the whole portal


def test_web_worker_and_beat_share_one_environment():
    environments = {name: environment_of(name) for name in APP_SERVICES}
    for name, environment in environments.items():
        for key in ("DATABASE_URL", "REDIS_URL"):
            assert environment.get(key), f"{name} has no {key}"
    for key in ("DATABASE_URL", "REDIS_URL"):
        assert len({environment[key] for environment in environments.values()}) == 1, (
            f"web, worker and beat disagree on {key}"
        )
    assert environments["worker"] == environments["web"] == environments["beat"]


def test_every_service_built_from_the_dockerfile_gets_the_portal_environment():
    built = [name for name, definition in services().items() if "build" in definition]
    assert set(APP_SERVICES) <= set(built)
    for name in built:
        assert environment_of(name) == environment_of("web"), f"{name}'s environment differs"


def test_the_environment_points_at_the_compose_services():
    environment = resolved_environment("web")
    assert environment["DJANGO_SETTINGS_MODULE"] == "portal.settings.production"
    assert (ROOT / "portal" / "settings" / "production.py").is_file()

    database = urlsplit(environment["DATABASE_URL"])
    postgres = environment_of("postgres")
    assert database.scheme in ("postgres", "postgresql", "pgsql")
    assert database.hostname == "postgres" and (database.port or 5432) == 5432
    assert database.username == postgres["POSTGRES_USER"]
    assert database.password == postgres["POSTGRES_PASSWORD"]
    assert database.path.lstrip("/") == postgres["POSTGRES_DB"]

    redis = urlsplit(environment["REDIS_URL"])
    assert redis.scheme == "redis" and redis.hostname == "redis"
    assert (redis.port or 6379) == 6379

    email = urlsplit(environment["EMAIL_URL"])
    assert email.scheme == "smtp" and email.hostname == "mailpit"
    assert email.port in published_ports("mailpit"), "EMAIL_URL's port is not Mailpit's SMTP"

    secret = environment_of("web")["SECRET_KEY"]
    assert secret.startswith("${SECRET_KEY:-"), "SECRET_KEY must be overridable from the shell"
    assert len(environment["SECRET_KEY"]) >= 32


def test_the_portal_is_reachable_where_its_links_point():
    environment = resolved_environment("web")
    base = urlsplit(environment["PORTAL_BASE_URL"])
    allowed_hosts = environment["ALLOWED_HOSTS"].split(",")
    assert base.hostname in allowed_hosts
    assert "127.0.0.1" in allowed_hosts, "the healthcheck's host must be allowed"
    assert base.port in published_ports("web").values()
    if base.scheme == "http":
        assert environment["SECURE_SSL_REDIRECT"].lower() in ("false", "off", "0", "no")


@pytest.fixture(scope="module")
def production_settings() -> dict:
    """The production settings, loaded in a fresh process with exactly compose's environment."""
    script = """
import json
import django
django.setup()
from django.conf import settings
from django.core.management import call_command
call_command("check")
from portal.celery import app
from portal.wsgi import application
database = settings.DATABASES["default"]
print(json.dumps({
    "DEBUG": settings.DEBUG,
    "SECURE_SSL_REDIRECT": settings.SECURE_SSL_REDIRECT,
    "SESSION_COOKIE_SECURE": settings.SESSION_COOKIE_SECURE,
    "CSRF_COOKIE_SECURE": settings.CSRF_COOKIE_SECURE,
    "database": [database["ENGINE"], database["HOST"], database["NAME"], database["USER"]],
    "cache": settings.CACHES["default"]["LOCATION"],
    "broker": app.conf.broker_url,
    "eager": app.conf.task_always_eager,
    "email": [settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT],
    "application": type(application).__name__,
}))
"""
    environment = {"PATH": os.environ["PATH"], **resolved_environment("web")}
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, f"production settings fail with compose's env:\n{result.stderr}"
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_settings_load_with_the_compose_environment(production_settings):
    environment = resolved_environment("web")
    assert production_settings["DEBUG"] is False
    assert production_settings["database"] == [
        "django.db.backends.postgresql",
        "postgres",
        "portal",
        "portal",
    ]
    assert production_settings["broker"] == environment["REDIS_URL"] == "redis://redis:6379/0"
    assert production_settings["cache"] == "redis://redis:6379/1", (
        "the cache in its own database: clearing it must not empty the task queues"
    )
    assert production_settings["eager"] is False, "tasks must go to the worker"
    assert production_settings["email"] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "mailpit",
        1025,
    ]
    assert production_settings["application"] == "WSGIHandler"
    assert production_settings["SECURE_SSL_REDIRECT"] is False


def test_sign_in_cookies_survive_plain_http(production_settings):
    """Compose serves http://localhost: a Secure-only cookie is never sent back over it."""
    assert urlsplit(resolved_environment("web")["PORTAL_BASE_URL"]).scheme == "http"
    assert production_settings["CSRF_COOKIE_SECURE"] is False, (
        "CSRF_COOKIE_SECURE is True: every sign-in POST over http fails with 403"
    )
    assert production_settings["SESSION_COOKIE_SECURE"] is False, (
        "SESSION_COOKIE_SECURE is True: a sign-in over http never sticks"
    )


# ---------------------------------------------------------------------------------------------
# Images


@pytest.mark.parametrize(
    "reference",
    ["postgres:16", "redis:7", "axllent/mailpit", "ghcr.io/org/app:1.2", "localhost:5000/a_b"],
)
def test_the_image_reference_check_accepts_real_references(reference):
    assert IMAGE_REF.match(reference)


@pytest.mark.parametrize("reference", ["Postgres:16", "redis:", "red is:7", "a//b", ":7", "x:-1"])
def test_the_image_reference_check_rejects_malformed_references(reference):
    assert not IMAGE_REF.match(reference)


def test_every_image_is_built_from_the_dockerfile_or_a_well_formed_reference():
    for name, definition in services().items():
        assert "build" in definition or "image" in definition, f"{name} has no image"
        if "image" in definition:
            assert IMAGE_REF.match(str(definition["image"])), f"{name}: bad image reference"
        if "build" in definition:
            build = definition["build"]
            build = {"context": build} if isinstance(build, str) else build
            context = (ROOT / build.get("context", ".")).resolve()
            assert context == ROOT, f"{name} is built from {context}, not the project"
            assert (context / build.get("dockerfile", "Dockerfile")).is_file()


def test_built_services_share_one_image():
    images = {
        definition.get("image") for definition in services().values() if "build" in definition
    }
    assert len(images) == 1 and None not in images, f"built services tag several images: {images}"


def test_backing_services_use_the_expected_images():
    assert re.fullmatch(r"postgres:16(\.\d+)*(-[\w.]+)?", service("postgres")["image"])
    assert re.fullmatch(r"redis:7(\.\d+)*(-[\w.]+)?", service("redis")["image"])
    assert re.fullmatch(r"axllent/mailpit(:[\w.-]+)?", service("mailpit")["image"])


# ---------------------------------------------------------------------------------------------
# The commands compose runs exist in the project


def test_web_runs_gunicorn_on_the_wsgi_application():
    command = command_of("web")
    assert command[0] == "gunicorn"
    target = next(arg for arg in command[1:] if re.fullmatch(r"[\w.]+:\w+", arg))
    module, attribute = target.split(":")
    path = ROOT.joinpath(*module.split(".")).with_suffix(".py")
    assert path.is_file(), f"gunicorn's module {module} is not at {path}"
    assert module_defines(path, attribute), f"{path} defines no {attribute}"

    bind = option(command, "--bind", "-b")
    assert bind, "gunicorn must bind explicitly: its default 127.0.0.1 is unreachable"
    host, port = bind.rsplit(":", 1)
    assert host == "0.0.0.0", "in a container gunicorn must listen on every interface"  # noqa: S104
    assert int(port) in published_ports("web"), "gunicorn's port is not published"


def test_gunicorn_config_runs_a_worker_per_cpu_and_names_only_real_settings(monkeypatch):
    """gunicorn reads ./gunicorn.conf.py from the working directory (/app in the image):
    without it the web process would run gunicorn's one worker."""
    from gunicorn.config import KNOWN_SETTINGS

    path = ROOT / "gunicorn.conf.py"
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = {k: v for k, v in runpy.run_path(str(path)).items() if not k.startswith("_")}
    known = {setting.name for setting in KNOWN_SETTINGS}
    names = {k for k, v in settings.items() if not isinstance(v, types.ModuleType)}

    assert names <= known, f"not gunicorn settings: {names - known}"
    assert settings["workers"] == os.cpu_count() + 1
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert runpy.run_path(str(path))["workers"] == 3


def test_celery_services_run_the_portal_app():
    assert (ROOT / "portal" / "celery.py").is_file()
    celery_module = ast.parse((ROOT / "portal" / "celery.py").read_text())
    assert any(
        isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Celery"
        for node in ast.walk(celery_module)
    ), "portal/celery.py creates no Celery app"
    for name, subcommand in (("worker", "worker"), ("beat", "beat")):
        command = command_of(name)
        assert command[0] == "celery"
        assert option(command, "-A", "--app") == "portal"
        assert subcommand in command, f"{name} does not run `celery {subcommand}`"


def test_beat_keeps_its_schedule_where_the_image_user_can_write():
    workdir = next(arguments for keyword, arguments in dockerfile() if keyword == "WORKDIR")
    schedule = option(command_of("beat"), "--schedule", "-s")
    assert schedule, f"beat would write celerybeat-schedule into {workdir}, owned by root"
    assert not schedule.startswith(workdir.rstrip("/") + "/")


def test_manage_py_commands_that_compose_and_the_dockerfile_run_exist():
    known = get_commands()
    named = []
    for name in services():
        if service(name).get("command"):
            named += manage_py_commands(command_of(name))
    for keyword, arguments in dockerfile():
        if keyword == "RUN":
            for step in arguments.split("&&"):
                named += manage_py_commands(shlex.split(step))
    assert {"migrate", "compilemessages", "collectstatic"} <= set(named)
    unknown = sorted(set(named) - set(known))
    assert not unknown, f"unknown manage.py commands: {unknown}"


def test_migrate_runs_once_before_the_portal_starts():
    assert manage_py_commands(command_of("migrate")) == ["migrate"]
    assert service("migrate").get("restart", "no") == "no"
    for name in APP_SERVICES:
        assert depends_on(name).get("migrate") == "service_completed_successfully"


# ---------------------------------------------------------------------------------------------
# The Dockerfile


def test_dockerfile_is_based_on_python_slim_matching_pyproject():
    keyword, base = dockerfile()[0]
    assert keyword == "FROM"
    match = re.fullmatch(r"python:(3\.\d+)(\.\d+)?-slim(-\w+)?", base)
    assert match, f"unexpected base image: {base}"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert SpecifierSet(project["requires-python"]).contains(match.group(1))
    assert match.group(1) == "3.11"


def test_dockerfile_installs_the_project_dependencies_before_the_code():
    copy_pyproject = dockerfile_index(
        lambda keyword, arguments: keyword == "COPY" and arguments.startswith("pyproject.toml")
    )
    pip_install = dockerfile_index(
        lambda keyword, arguments: (
            keyword == "RUN" and re.search(r"pip install (--?\S+ )*\.(\s|$)", arguments)
        )
    )
    copy_code = dockerfile_index(
        lambda keyword, arguments: keyword == "COPY" and arguments.split()[0] == "."
    )
    assert copy_pyproject != -1, "pyproject.toml is never copied in alone"
    assert pip_install != -1, "the Dockerfile never runs `pip install .`"
    assert copy_code != -1, "the code is never copied in"
    assert copy_pyproject < pip_install < copy_code


def test_the_programs_compose_runs_are_installed():
    dependencies = project_dependencies()
    programs = {"gunicorn": "gunicorn", "celery": "celery"}
    executables = {
        name: command_of(name)[0]
        for name, definition in services().items()
        if "build" in definition
    }
    executables["web healthcheck"] = healthcheck_argv("web")[1]
    for name, executable in executables.items():
        assert executable == "python" or programs.get(executable) in dependencies, (
            f"{name} runs {executable}, which pyproject.toml does not install"
        )
    assert {"gunicorn", "celery"} <= dependencies


def test_dockerfile_compiles_messages_and_collects_static_with_build_only_secrets():
    runs = [arguments for keyword, arguments in dockerfile() if keyword == "RUN"]
    gettext = next(
        (i for i, run in enumerate(runs) if re.search(r"install .*\bgettext\b", run)), -1
    )
    compile_step = next((i for i, run in enumerate(runs) if "compilemessages" in run), -1)
    assert gettext != -1, "compilemessages needs msgfmt: install gettext"
    assert compile_step > gettext
    for command in ("compilemessages", "collectstatic --noinput"):
        steps = [step for run in runs for step in run.split("&&") if f"manage.py {command}" in step]
        assert steps, f"the Dockerfile never runs manage.py {command}"
        for step in steps:
            assert re.search(r"\bSECRET_KEY=\S+", step) and re.search(r"\bREDIS_URL=\S+", step), (
                f"`{step.strip()}` needs build-time SECRET_KEY and REDIS_URL in the same step"
            )
    for keyword, arguments in dockerfile():
        if keyword in ("ENV", "ARG"):
            assert not re.search(r"\b(SECRET_KEY|REDIS_URL)\b", arguments), (
                f"{keyword} {arguments}: build-time dummies must not stay in the image"
            )
    environment = " ".join(arguments for keyword, arguments in dockerfile() if keyword == "ENV")
    assert "DJANGO_SETTINGS_MODULE=portal.settings.production" in environment


def test_dockerfile_runs_gunicorn_as_a_non_root_user():
    users = [arguments for keyword, arguments in dockerfile() if keyword == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    user_index = dockerfile_index(lambda keyword, arguments: keyword == "USER")
    build_step = dockerfile_index(
        lambda keyword, arguments: keyword == "RUN" and "collectstatic" in arguments
    )
    assert user_index > build_step, "build steps write to /app: switch user after them"
    assert ("EXPOSE", "8000") in dockerfile()
    cmd = next(arguments for keyword, arguments in dockerfile() if keyword == "CMD")
    assert json.loads(cmd) == ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000"]


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "db.sqlite3", "staticfiles"} <= ignored
    needed = {"manage.py", "pyproject.toml", "portal", "locale", "static", "templates"}
    assert not needed & ignored


# ---------------------------------------------------------------------------------------------
# Start-up order and health


def test_depends_on_conditions_can_be_met():
    for name in services():
        for target, condition in depends_on(name).items():
            assert target in services(), f"{name} depends on unknown service {target!r}"
            assert condition in HEALTH_CONDITIONS, f"{name}: unknown condition {condition!r}"
            if condition == "service_healthy":
                healthcheck = service(target).get("healthcheck") or {}
                assert healthcheck.get("test") and not healthcheck.get("disable"), (
                    f"{name} waits for {target} to be healthy, but {target} has no healthcheck"
                )
            if condition == "service_completed_successfully":
                assert service(target).get("restart", "no") == "no", (
                    f"{name} waits for {target} to exit, but {target} restarts"
                )


def test_the_portal_waits_for_healthy_postgres_and_redis():
    for name in (*APP_SERVICES, "migrate"):
        assert depends_on(name).get("postgres") == "service_healthy", name
        assert depends_on(name).get("redis") == "service_healthy", name


def test_backing_services_healthchecks():
    postgres = healthcheck_argv("postgres")
    assert "pg_isready" in " ".join(postgres)
    assert environment_of("postgres")["POSTGRES_USER"] in " ".join(postgres)
    assert healthcheck_argv("redis")[1:] == ["redis-cli", "ping"]


def test_web_healthcheck_requests_the_sign_in_page_with_python():
    test = healthcheck_argv("web")
    assert test[:3] == ["CMD", "python", "-c"], "python:3.11-slim has no curl or wget"
    code = test[3]
    ast.parse(code)
    assert "urlopen(" in code
    url = urlsplit(re.search(r"""['"](http://[^'"]+)['"]""", code).group(1))
    assert url.hostname == "127.0.0.1"
    assert url.port == int(option(command_of("web"), "--bind", "-b").rsplit(":", 1)[1])
    try:
        match = resolve(url.path)
    except Resolver404:
        pytest.fail(f"the healthcheck requests {url.path}, which the portal does not serve")
    assert match.view_name == "accounts:login"


# ---------------------------------------------------------------------------------------------
# Ports, volumes and interpolation


def test_published_ports():
    assert published_ports("web") == {8000: 8000}
    assert published_ports("mailpit") == {8025: 8025, 1025: 1025}


def test_named_volumes_are_declared_and_keep_the_database():
    declared = set(compose().get("volumes") or {})
    for name, definition in services().items():
        for volume in definition.get("volumes") or []:
            source = volume["source"] if isinstance(volume, dict) else str(volume).split(":")[0]
            if not source.startswith((".", "/", "~")):
                assert source in declared, f"{name} mounts undeclared volume {source!r}"
    mounts = [str(volume).split(":") for volume in service("postgres").get("volumes") or []]
    assert any(
        source in declared and target == "/var/lib/postgresql/data" for source, target, *_ in mounts
    ), "postgres keeps its data in no named volume"


def test_every_dollar_is_a_valid_interpolation():
    text = COMPOSE_FILE.read_text()
    stray = [
        line
        for line in text.splitlines()
        if "$" in line and "$" in INTERPOLATION.sub("", line.split(" #")[0])
    ]
    assert not stray, f"lines with a `$` compose cannot interpolate (use $$): {stray}"
