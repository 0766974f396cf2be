// Load generator for pushd and its peers (see Benchmarks/README.md).
print("pushd-load: not yet")
