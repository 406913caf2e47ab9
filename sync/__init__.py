"""The channel-independent sync engine: run bookkeeping and the actions. It calls a connector's client and
knows nothing of RQ or HTTP requests; jobs/ runs it in a worker."""
