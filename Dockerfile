# Baystream: one image for every process; the command picks it (`worker`, `dashboard`, `gateway`,
# `simulate`, `topics create`, ...). Used by infra/deploy/docker-compose.yml; see docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY producers ./producers
COPY streams ./streams
COPY consumers ./consumers
COPY infra ./infra
COPY baystream ./baystream
RUN pip install '.[rocksdb]' && rm -rf /src

RUN useradd --create-home --uid 10001 baystream \
    && mkdir -p /var/lib/baystream/state \
    && chown -R baystream /var/lib/baystream
USER baystream
WORKDIR /var/lib/baystream

# In a container, /metrics and the web servers must listen beyond loopback for Prometheus and users.
ENV BAYSTREAM_METRICS_HOST=0.0.0.0 \
    BAYSTREAM_METRICS_PORT=9400 \
    BAYSTREAM_STATE_DIR=/var/lib/baystream/state
EXPOSE 9400

ENTRYPOINT ["baystream"]
CMD ["--help"]
