# Stand-in for python:3.11-slim-bookworm (tests only): Debian bookworm's own Python 3.11, with
# `python` and `pip` first on PATH as in the official image, uv, and the host's CA certificates
# (outbound HTTPS here passes through an intercepting proxy).
FROM localhost/debian-base:bookworm
ARG UV_VERSION
COPY ca-certificates/ /usr/local/share/ca-certificates/
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
 && rm -rf /var/lib/apt/lists/* && update-ca-certificates
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
    PIP_DISABLE_PIP_VERSION_CHECK=1 LANG=C.UTF-8
RUN python3 -m venv /usr/local/python && /usr/local/python/bin/pip install --no-cache-dir "uv==${UV_VERSION}"
ENV PATH=/usr/local/python/bin:$PATH
