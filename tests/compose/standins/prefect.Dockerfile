# Stand-in for prefecthq/prefect (tests only): the lab's own locked Prefect environment, run as
# root from /opt/prefect as the official image is.
ARG PYTHON_STANDIN
FROM ${PYTHON_STANDIN}
COPY prefect.lock.txt /opt/lab-locks/prefect.lock.txt
RUN uv venv --quiet --python /usr/bin/python3 /opt/prefect/.venv \
 && uv pip sync --quiet --no-cache --compile-bytecode --python /opt/prefect/.venv/bin/python /opt/lab-locks/prefect.lock.txt
ENV PATH=/opt/prefect/.venv/bin:$PATH
WORKDIR /opt/prefect
