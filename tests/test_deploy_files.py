"""Deployment files parse: docker-compose (v1 client's `config`) and the catalog."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from dirbolt_core.settings import REPO_ROOT

REQUIRED_SERVICES = {"postgres", "sqs", "dagster-webserver", "dagster-daemon", "code-server", "catalog", "web"}


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed (.ci/run installs it)")
def test_docker_compose_config_parses_and_names_every_part():
    result = subprocess.run(["docker-compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    services = set(yaml.safe_load(result.stdout)["services"])
    assert services >= REQUIRED_SERVICES, services


def test_compose_sandbox_serves_its_second_origin_under_an_alias_of_its_own():
    """The real-web sites load their CDN and widget from a second origin: in compose a host name
    that reaches the same sandbox container, not 127.0.0.1/localhost (the caller's own container)."""
    from urllib.parse import urlsplit

    sandbox = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())["services"]["sandbox"]
    command = sandbox["command"]
    cdn = urlsplit(command[command.index("--cdn-url") + 1])
    aliases = sandbox["networks"]["default"]["aliases"]
    assert cdn.hostname in aliases and cdn.hostname != "sandbox"
    assert cdn.port == int(command[command.index("--port") + 1])


# --------------------------------------------------------------------------------- scale-out files
DEPLOY = REPO_ROOT / "deploy"


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose not installed (.ci/run installs it)")
def test_compose_override_adds_celery_worker_hosts_on_rabbitmq():
    result = subprocess.run(["docker-compose", "-f", str(REPO_ROOT / "docker-compose.yml"), "-f",
                             str(DEPLOY / "docker-compose.workers.yml"), "config"],
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stderr
    services = yaml.safe_load(result.stdout)["services"]
    assert services.keys() >= REQUIRED_SERVICES | {"rabbitmq", "celery-worker"}
    worker = services["celery-worker"]
    # The worker reads the config the image carries (Dockerfile: deploy/ is copied into /app).
    assert worker["command"][:3] == ["dagster-celery", "worker", "start"]
    config_path = worker["command"][worker["command"].index("-y") + 1]
    assert config_path == "/app/celery/worker.yaml" and (DEPLOY / "celery" / "worker.yaml").is_file()
    # The run process (code server), the daemon and every worker agree on the executor and broker.
    for name in ("code-server", "dagster-daemon", "celery-worker"):
        env = services[name]["environment"]
        assert env["DIRBOLT_STEP_EXECUTOR"] == "celery", name
        assert env["DIRBOLT_CELERY_BROKER_URL"].startswith("amqp://") and "@rabbitmq:5672" in \
            env["DIRBOLT_CELERY_BROKER_URL"], name
    assert services["celery-worker"]["environment"]["DIRBOLT_DATABASE_URL"] == \
        services["code-server"]["environment"]["DIRBOLT_DATABASE_URL"]
    for name in ("code-server", "celery-worker"):  # Dagster storage through psycopg2 (see docker-compose.yml)
        assert services[name]["environment"]["DAGSTER_PG_URL"].startswith("postgresql+psycopg2://"), name


def test_celery_worker_config_is_the_executors_and_dagster_celery_accepts_it(monkeypatch):
    from dagster._config import validate_config
    from dagster_celery import celery_executor
    from dagster_celery.cli import get_validated_config

    from dirbolt_core.settings import Settings
    from dirbolt_dagster.submissions.executors import CELERY_APP_SETTINGS, celery_executor_config, step_executor

    monkeypatch.setenv("DIRBOLT_CELERY_BROKER_URL", "amqp://u:p@rabbitmq:5672//")
    worker = get_validated_config(str(DEPLOY / "celery" / "worker.yaml"))  # dagster-celery's own loader
    assert worker["config_source"] == CELERY_APP_SETTINGS
    assert worker["broker"] == "amqp://u:p@rabbitmq:5672//"
    settings = Settings(step_executor="celery", celery_broker_url="amqp://u:p@rabbitmq:5672//")
    run_side = celery_executor_config(settings)
    assert validate_config(celery_executor.config_schema.config_type, run_side).success
    assert run_side["config_source"] == worker["config_source"] and run_side["backend"] == worker["backend"]
    assert "p@" not in str(run_side)  # the broker's password stays in the environment
    names = {kind: step_executor(Settings(step_executor=kind)).name for kind in ("in_process", "celery", "k8s", "ecs")}
    assert names == {"in_process": "in_process", "celery": "celery", "k8s": "k8s", "ecs": "ecs"}


def _pg_url(dsn: str) -> str:
    import psycopg

    parts = psycopg.conninfo.conninfo_to_dict(dsn)
    return (f"postgresql+psycopg2://{parts.get('user', 'postgres')}@{parts.get('host', '127.0.0.1')}:"
            f"{parts.get('port', 5432)}/{parts['dbname']}")


def test_ecs_instance_config_loads_with_dagster_aws_ecs_run_launcher(empty_database_url, tmp_path, monkeypatch):
    import dagster as dg
    from dagster._config import validate_config
    from dagster_aws.ecs import EcsRunLauncher, ecs_executor

    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copyfile(DEPLOY / "ecs" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_PG_URL", _pg_url(empty_database_url))
    monkeypatch.setenv("DIRBOLT_ECS_EXECUTION_ROLE_ARN", "arn:aws:iam::123456789012:role/dirbolt-exec")
    monkeypatch.setenv("DIRBOLT_ECS_TASK_ROLE_ARN", "arn:aws:iam::123456789012:role/dirbolt-task")
    # Dagster validates the file against its instance schema and the launcher's own config schema,
    # then builds every part (no AWS call: run tasks are registered when a run is launched).
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        launcher = instance.run_launcher
        assert isinstance(launcher, EcsRunLauncher)
        assert launcher.task_definition_dict["log_group"] == "/ecs/dirbolt-runs"
        assert launcher.task_role_arn == "arn:aws:iam::123456789012:role/dirbolt-task"
        assert "DIRBOLT_STEP_EXECUTOR=ecs" in launcher.env_vars and launcher.secrets_tags == ["dirbolt"]
        assert type(instance.run_coordinator).__name__ == "DirboltRunCoordinator"
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        concurrency = instance.get_concurrency_config()
        assert concurrency.pool_config.default_pool_limit == 24
        assert instance.run_retries_enabled and instance.run_monitoring_enabled
        # The storage works through psycopg2: an event is stored (NOTIFY included).
        instance.add_dynamic_partitions("jobs", ["00000000-0000-4000-8000-000000000001"])
        assert instance.has_dynamic_partition("jobs", "00000000-0000-4000-8000-000000000001")
    finally:
        instance.dispose()
    assert validate_config(ecs_executor.config_schema.config_type, {}).success


def _keys(value) -> list[str]:
    """Every key of a nested mapping (secrets are referenced by name, never set as values)."""
    if isinstance(value, dict):
        return [*value, *(k for v in value.values() for k in _keys(v))]
    if isinstance(value, list):
        return [k for v in value for k in _keys(v)]
    return []


def render_helm_instance(values: dict, *, release_namespace: str = "dirbolt") -> dict:
    """The dagster.yaml that Dagster's chart renders from these values (its configmap-instance
    template and helpers), for the parts deploy/helm/values.yaml sets."""
    pg = values["postgresql"]
    postgres_db = {"postgres_db": {"username": pg["postgresqlUsername"], "password": {"env": "DAGSTER_PG_PASSWORD"},
                                   "hostname": pg["postgresqlHost"], "db_name": pg["postgresqlDatabase"],
                                   "port": pg["service"]["port"], "params": pg.get("postgresqlParams", {}),
                                   **({"scheme": pg["postgresqlScheme"]} if pg.get("postgresqlScheme") else {})}}
    k8s = values["runLauncher"]["config"]["k8sRunLauncher"]
    launcher_config = {
        "load_incluster_config": k8s["loadInclusterConfig"],
        **({"kubeconfig_file": k8s["kubeconfigFile"]} if k8s.get("kubeconfigFile") else {}),
        "job_namespace": k8s.get("jobNamespace") or release_namespace,
        "image_pull_policy": k8s["imagePullPolicy"],
        "service_account_name": f"{release_namespace}-dagster",
        "dagster_home": {"env": "DAGSTER_HOME"},
        "instance_config_map": {"env": "DAGSTER_K8S_INSTANCE_CONFIG_MAP"},
        "postgres_password_secret": {"env": "DAGSTER_K8S_PG_PASSWORD_SECRET"},
        "env_config_maps": [{"env": "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP"},
                            *[c["name"] for c in k8s.get("envConfigMaps", []) if "name" in c]],
        **({"env_secrets": [s["name"] for s in k8s["envSecrets"] if "name" in s]} if k8s.get("envSecrets") else {}),
        **({"env_vars": k8s["envVars"]} if k8s.get("envVars") else {}),
    }
    if k8s.get("runK8sConfig"):
        snake = {"containerConfig": "container_config", "podSpecConfig": "pod_spec_config",
                 "podTemplateSpecMetadata": "pod_template_spec_metadata", "jobSpecConfig": "job_spec_config",
                 "jobMetadata": "job_metadata"}
        launcher_config["run_k8s_config"] = {snake[k]: v for k, v in k8s["runK8sConfig"].items()}
    daemon = values["dagsterDaemon"]
    queued = daemon["runCoordinator"].get("config", {}).get("queuedRunCoordinator") or {}
    coordinator_config = {k2: queued[k1] for k1, k2 in (("maxConcurrentRuns", "max_concurrent_runs"),
                                                        ("tagConcurrencyLimits", "tag_concurrency_limits"),
                                                        ("dequeueIntervalSeconds", "dequeue_interval_seconds"))
                          if queued.get(k1)}
    monitoring, retries, sensors = daemon["runMonitoring"], daemon["runRetries"], daemon["sensors"]
    rendered = {
        "schedule_storage": {"module": "dagster_postgres.schedule_storage", "class": "PostgresScheduleStorage",
                             "config": postgres_db},
        "run_launcher": {"module": "dagster_k8s", "class": "K8sRunLauncher", "config": launcher_config},
        "run_storage": {"module": "dagster_postgres.run_storage", "class": "PostgresRunStorage", "config": postgres_db},
        "event_log_storage": {"module": "dagster_postgres.event_log", "class": "PostgresEventLogStorage",
                              "config": postgres_db},
        "run_coordinator": {"module": "dagster._core.run_coordinator", "class": "QueuedRunCoordinator",
                            **({"config": coordinator_config} if coordinator_config else {})},
        "run_monitoring": {"enabled": monitoring["enabled"], "start_timeout_seconds": monitoring["startTimeoutSeconds"],
                           "poll_interval_seconds": monitoring["pollIntervalSeconds"]},
        "run_retries": {"enabled": retries["enabled"], "max_retries": retries["maxRetries"],
                        **({"retry_on_asset_or_op_failure": retries["retryOnAssetOrOpFailure"]}
                           if "retryOnAssetOrOpFailure" in retries else {})},
        "sensors": {"use_threads": sensors["useThreads"], "num_workers": sensors["numWorkers"]},
        "telemetry": {"enabled": values["telemetry"]["enabled"]},
    }
    concurrency = values.get("concurrency", {})
    pools, runs = concurrency.get("pools", {}), concurrency.get("runs", {})
    if pools.get("defaultLimit") is not None:
        rendered.setdefault("concurrency", {})["pools"] = {"default_limit": pools["defaultLimit"]}
    if runs.get("maxConcurrentRuns") is not None or runs.get("tagConcurrencyLimits"):
        rendered.setdefault("concurrency", {})["runs"] = {
            **({"max_concurrent_runs": runs["maxConcurrentRuns"]} if runs.get("maxConcurrentRuns") is not None else {}),
            **({"tag_concurrency_limits": runs["tagConcurrencyLimits"]} if runs.get("tagConcurrencyLimits") else {})}
    return rendered


def test_helm_values_render_an_instance_config_dagster_and_dagster_k8s_accept(empty_database_url, tmp_path,
                                                                              monkeypatch):
    """What can be checked here without Helm or a cluster: the values' shape (user code deployment,
    run launcher, queue limits, external PostgreSQL, secrets by reference), and the dagster.yaml they
    render into, through Dagster's instance schema and dagster-k8s's launcher schema, then built as
    an instance (storage on a real PostgreSQL, a kubeconfig that points nowhere in place of the
    in-cluster one). The chart's own values.schema.json is not on PyPI or npm, so the values are not
    checked against it here."""
    import dagster as dg
    import psycopg
    from dagster._config import validate_config
    from dagster._core.instance.config import dagster_instance_config
    from dagster_k8s import K8sRunLauncher, k8s_job_executor

    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    [deployment] = values["dagster-user-deployments"]["deployments"]
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "dirbolt_dagster.definitions"]
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert env["DIRBOLT_STEP_EXECUTOR"] == "k8s"
    assert {"name": "dirbolt-secrets"} in deployment["envSecrets"]
    assert "DIRBOLT_STEP_EXECUTOR=k8s" in values["runLauncher"]["config"]["k8sRunLauncher"]["envVars"]
    assert values["postgresql"]["enabled"] is False and values["generatePostgresqlPasswordSecret"] is False
    assert not {"postgresqlPassword", "password"} & set(_keys(values))  # secrets by reference only

    rendered = render_helm_instance(values)
    home = tmp_path / "helm_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(rendered))
    dagster_instance_config(str(home))  # raises on anything Dagster's schema refuses
    launcher_check = validate_config(K8sRunLauncher.config_type(), rendered["run_launcher"]["config"])
    assert launcher_check.success, launcher_check.errors
    assert validate_config(k8s_job_executor.config_schema.config_type, {}).success

    # Built for real: storage on this test's PostgreSQL, the launcher from a kubeconfig file.
    parts = psycopg.conninfo.conninfo_to_dict(empty_database_url)
    values["postgresql"].update(postgresqlHost=parts.get("host", "127.0.0.1"), postgresqlDatabase=parts["dbname"],
                                postgresqlUsername=parts.get("user", "postgres"))
    values["postgresql"]["service"]["port"] = int(parts.get("port", 5432))
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "t",
        "clusters": [{"name": "t", "cluster": {"server": "https://127.0.0.1:9"}}],
        "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}], "users": [{"name": "t", "user": {}}]}))
    values["runLauncher"]["config"]["k8sRunLauncher"].update(loadInclusterConfig=False, kubeconfigFile=str(kubeconfig))
    (home / "dagster.yaml").write_text(yaml.safe_dump(render_helm_instance(values)))
    for name, value in {"DAGSTER_PG_PASSWORD": "", "DAGSTER_HOME": str(home),
                        "DAGSTER_K8S_INSTANCE_CONFIG_MAP": "dirbolt-dagster-instance",
                        "DAGSTER_K8S_PG_PASSWORD_SECRET": "dagster-postgresql-secret",
                        "DAGSTER_K8S_PIPELINE_RUN_ENV_CONFIGMAP": "dirbolt-dagster-pipeline-env"}.items():
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.from_config(str(home))
    try:
        assert isinstance(instance.run_launcher, K8sRunLauncher)
        assert instance.run_launcher.env_secrets == ["dirbolt-secrets"]
        limits = {(t["key"], t.get("value")): t["limit"]
                  for t in instance.get_concurrency_config().run_queue_config.tag_concurrency_limits}
        assert limits[("dirbolt/priority", "starter")] < limits[("dirbolt/priority", "enterprise")]
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 24
        instance.add_dynamic_partitions("jobs", ["00000000-0000-4000-8000-000000000002"])
        assert instance.has_dynamic_partition("jobs", "00000000-0000-4000-8000-000000000002")
    finally:
        instance.dispose()
