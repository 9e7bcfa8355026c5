# Stand-in for prefecthq/prefect (tests only): the lab's own locked Prefect environment, run as
# root from /opt/prefect and started through tini and /opt/prefect/entrypoint.sh, as the official
# image is.
ARG PYTHON_STANDIN
FROM ${PYTHON_STANDIN}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini \
 && rm -rf /var/lib/apt/lists/*
COPY prefect.lock.txt /opt/lab-locks/prefect.lock.txt
RUN uv venv --quiet --python /usr/bin/python3 /opt/prefect/.venv \
 && uv pip sync --quiet --no-cache --compile-bytecode --python /opt/prefect/.venv/bin/python /opt/lab-locks/prefect.lock.txt
ENV PATH=/opt/prefect/.venv/bin:$PATH LC_ALL=C.UTF-8 LANG=C.UTF-8
WORKDIR /opt/prefect
COPY prefect-entrypoint.sh /opt/prefect/entrypoint.sh
ENTRYPOINT ["/usr/bin/tini", "-g", "--", "/opt/prefect/entrypoint.sh"]
