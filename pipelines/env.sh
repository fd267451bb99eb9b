# Sourced by the pipeline scripts: use the plugin from the build tree and a
# private registry (a stale registry would hide a rebuilt plugin).
NB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
NB_BUILD=${NB_BUILD:-$NB_ROOT/build}
export GST_PLUGIN_PATH_1_0="$NB_BUILD/plugin${GST_PLUGIN_PATH_1_0:+:$GST_PLUGIN_PATH_1_0}"
export GST_REGISTRY_1_0="${GST_REGISTRY_1_0:-$NB_BUILD/pipelines-registry.bin}"
NB_HKL="$NB_ROOT/tests/golden/inputs/dense.hkl"
# a lysozyme-like crystal in a 1 A beam: the shared scene of the examples
NB_CRYSTAL="hkl-file=$NB_HKL cell=\"79 79 38 90 90 90\" misset=\"10 20 30\" n-cells=10 mosaic-spread=0.3 mosaic-domains=10 wavelength=1.0 distance=250 pixel-size=0.2"
