{
  "variables": {
    "cblas_header%": "cblas.h",
    "blas_lib%": "openblas"
  },
  "targets": [
    {
      "target_name": "tensor_native",
      "sources": [
        "native/addon.c",
        "native/args.c",
        "native/gemm.c",
        "native/conv.c",
        "native/pool.c",
        "native/ops.c",
        "native/ops_glue.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags": [
        "-O3",
        "-std=gnu11",
        "-pthread",
        "-ffp-contract=off",
        "-fno-math-errno",
        "-Wall",
        "-Wextra",
        "-Wno-unused-parameter",
        "-Wno-psabi"
      ],
      "ldflags": ["-pthread"],
      "conditions": [
        [
          "OS=='mac'",
          {
            "defines": ["PAPERKIT_ACCELERATE"],
            "libraries": ["-framework Accelerate"],
            "xcode_settings": {
              "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-math-errno", "-Wno-psabi"],
              "MACOSX_DEPLOYMENT_TARGET": "11.0"
            }
          }
        ],
        [
          "OS=='linux'",
          {
            "defines": ["PAPERKIT_CBLAS_HEADER=<<(cblas_header)>"],
            "include_dirs": ["/usr/include/openblas"],
            "libraries": ["-l<(blas_lib)", "-lm"]
          }
        ],
        [
          "OS=='freebsd'",
          {
            "defines": ["PAPERKIT_CBLAS_HEADER=<<(cblas_header)>"],
            "include_dirs": ["/usr/local/include"],
            "libraries": ["-L/usr/local/lib", "-l<(blas_lib)", "-lm"]
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
