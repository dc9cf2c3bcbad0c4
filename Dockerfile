# jobbergate-agent (slurmrestd edition): `jg-run` on a host or in a cluster without Slurm.
# Build:  docker build -t jobbergate-agent .
# Run:    docker run --env-file agent.env -v jobbergate-agent-cache:/var/cache/jobbergate-agent \
#             --stop-timeout 90 jobbergate-agent            (see docs/deployment.md)
ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the locked dependencies, then the project, into /opt/venv ------------------------
FROM ${PYTHON_IMAGE} AS build
ARG UV_VERSION=0.13.9
RUN pip install --no-cache-dir "uv==${UV_VERSION}"
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/local/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /src
# Dependencies first, so that a code change does not re-install them.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY jobbergate_agent ./jobbergate_agent
RUN uv sync --frozen --no-dev --no-editable

# --- run: the same Python, the venv, an unprivileged user -----------------------------------
FROM ${PYTHON_IMAGE}
RUN groupadd --system --gid 10001 jobbergate \
    && useradd --system --uid 10001 --gid jobbergate --create-home \
       --home-dir /var/lib/jobbergate-agent --shell /usr/sbin/nologin jobbergate \
    && install -d -o jobbergate -g jobbergate -m 0700 /var/cache/jobbergate-agent
COPY --from=build /opt/venv /opt/venv
# All configuration comes from the environment (JOBBERGATE_AGENT_*), or from a .env file
# mounted in the working directory.
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    JOBBERGATE_AGENT_CACHE_DIR=/var/cache/jobbergate-agent
WORKDIR /var/lib/jobbergate-agent
USER jobbergate:jobbergate
# The submission journal and the token and user-mapping caches: keep them across restarts.
VOLUME ["/var/cache/jobbergate-agent"]
# SIGTERM lets the current step finish, then jg-run exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["jg-run"]
CMD ["run"]
