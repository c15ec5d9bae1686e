# memqa as a container: Debian packages and Python packages only (the models ship inside PyPI packages),
# the index built into the image and read-only, no network needed at run time.
#   docker build -t memqa .
#   docker run --rm -p 127.0.0.1:8000:8000 --read-only memqa
# Checked by tests/test_packaging.py (sources, torch pin, commands, health check); see README "Deployment".
FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/memqa
COPY pyproject.toml README.md ./
COPY src ./src
COPY api ./api
COPY corpus ./corpus
# The CPU build of torch first, as `make install` does; otherwise pip pulls a multi-GB CUDA build.
# TORCH_INDEX is PyTorch's CPU wheel index; point it at a local mirror with --build-arg when offline.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
RUN python3 -m venv /opt/memqa \
 && /opt/memqa/bin/pip install --no-cache-dir --index-url "$TORCH_INDEX" torch==2.13.0 \
 && /opt/memqa/bin/pip install --no-cache-dir .
ENV PATH=/opt/memqa/bin:$PATH MEMQA_HOME=/srv/memqa HF_HUB_OFFLINE=1 TOKENIZERS_PARALLELISM=false
RUN memqa build && chmod -R a-w /srv/memqa/index
RUN useradd --system memqa
USER memqa
EXPOSE 8000
HEALTHCHECK CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health')"
CMD ["memqa", "serve", "--host", "0.0.0.0", "--port", "8000"]
