{
  "variables": {
    "cblas_header%": "cblas.h",
    "blas_lib%": "openblas"
  },
  "targets": [
    {
      "target_name": "tensor_native",
      "sources": ["native/addon.c", "native/gemm.c", "native/conv.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        [
          "OS=='mac'",
          {
            "defines": ["PAPERKIT_ACCELERATE"],
            "libraries": ["-framework Accelerate"],
            "xcode_settings": {
              "OTHER_CFLAGS": ["-O3", "-std=c11"],
              "MACOSX_DEPLOYMENT_TARGET": "11.0"
            }
          }
        ],
        [
          "OS=='linux'",
          {
            "defines": ["PAPERKIT_CBLAS_HEADER=<<(cblas_header)>"],
            "include_dirs": ["/usr/include/openblas"],
            "libraries": ["-l<(blas_lib)"]
          }
        ],
        [
          "OS=='freebsd'",
          {
            "defines": ["PAPERKIT_CBLAS_HEADER=<<(cblas_header)>"],
            "include_dirs": ["/usr/local/include"],
            "libraries": ["-L/usr/local/lib", "-l<(blas_lib)"]
          }
        ],
        [
          "OS=='win'",
          {
            "defines": ["PAPERKIT_UNSUPPORTED_PLATFORM"]
          }
        ]
      ]
    }
  ]
}
