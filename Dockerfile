# Bate-Ponto's image. Two stages: the builder installs requirements.txt into a virtualenv;
# the final image holds only that virtualenv and the bot's code, and runs as a fixed
# non-root user. Not built in CI (images cannot be pulled there); tests/test_container.py
# checks this file's structure. Build: `docker build -t bate-ponto .` (see README
# "Container").

FROM python:3.11-slim AS builder
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
COPY requirements.txt /tmp/requirements.txt
RUN /opt/venv/bin/pip install --requirement /tmp/requirements.txt

FROM python:3.11-slim
# A fixed uid/gid, so the /data volume's owner is the same on every host and rebuild.
RUN groupadd --system --gid 10001 bateponto \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin bateponto \
    && install --directory --owner=10001 --group=10001 --mode=0700 /data
COPY --from=builder /opt/venv /opt/venv
WORKDIR /app
# The code only (root-owned, so the bot cannot change it): top-level modules and packages.
COPY *.py ./
COPY cogs ./cogs
COPY monitoring ./monitoring
COPY store ./store
COPY tracking ./tracking
COPY ui ./ui
ENV PATH=/opt/venv/bin:$PATH \
    DATA_FILE=/data/video_ranking.json \
    MPLCONFIGDIR=/tmp/matplotlib \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
USER 10001:10001
VOLUME /data
# No HEALTHCHECK here: /healthz exists only with METRICS_PORT set; compose.yaml sets both.
# Exec form: the bot is PID 1 and gets docker stop's SIGTERM itself (it then ends every
# camera session and saves before exiting).
ENTRYPOINT ["python", "bot.py"]
