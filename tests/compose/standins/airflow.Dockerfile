# Stand-in for apache/airflow (tests only): the lab's own locked Airflow environment, laid out as
# the official image is (user airflow 50000:0, AIRFLOW_HOME=/opt/airflow, `airflow` on PATH) and
# started the same way: dumb-init, then an entrypoint that waits for the database and takes
# `bash …`, `python …` or an airflow subcommand (airflow-entrypoint.sh).
ARG PYTHON_STANDIN
FROM ${PYTHON_STANDIN}
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends dumb-init \
 && rm -rf /var/lib/apt/lists/*
COPY airflow.lock.txt /opt/lab-locks/airflow.lock.txt
RUN uv venv --quiet --python /usr/bin/python3 /home/airflow/.venv \
 && uv pip sync --quiet --no-cache --compile-bytecode --python /home/airflow/.venv/bin/python /opt/lab-locks/airflow.lock.txt
RUN useradd --uid 50000 --gid 0 --home-dir /home/airflow --no-create-home airflow \
 && mkdir -p /opt/airflow/logs /opt/airflow/dags /opt/airflow/plugins /opt/airflow/config \
 && chown -R 50000:0 /opt/airflow /home/airflow
COPY airflow-entrypoint.sh /entrypoint
ENV PATH=/home/airflow/.venv/bin:$PATH AIRFLOW_HOME=/opt/airflow AIRFLOW_USER_HOME_DIR=/home/airflow
USER 50000:0
WORKDIR /opt/airflow
ENTRYPOINT ["/usr/bin/dumb-init", "--", "/entrypoint"]
CMD []
