"""cc_grpc_library: gRPC C++ service stubs from a proto_library, offline.

Runs Debian's protoc with grpc_cpp_plugin over the direct sources of one
proto_library and wraps the generated code in a cc_library. Messages come
from the matching cc_proto_library passed in `deps`.
"""

def _grpc_codegen_impl(ctx):
    info = ctx.attr.proto[ProtoInfo]
    outs = []
    for src in info.direct_sources:
        if src.short_path.startswith("../"):
            fail("external protos are not supported: " + src.short_path)
        stem = src.basename[:-len(".proto")]
        outs.append(ctx.actions.declare_file(stem + ".grpc.pb.h"))
        outs.append(ctx.actions.declare_file(stem + ".grpc.pb.cc"))
    args = ctx.actions.args()
    args.add("--plugin=protoc-gen-grpc=" + ctx.executable._plugin.path)
    args.add("--grpc_out=" + ctx.bin_dir.path)
    args.add_all(info.transitive_proto_path, format_each = "--proto_path=%s")
    args.add("--proto_path=.")
    args.add_all(info.direct_sources)
    ctx.actions.run(
        executable = ctx.executable._protoc,
        arguments = [args],
        inputs = info.transitive_sources,
        tools = [ctx.executable._plugin],
        outputs = outs,
        mnemonic = "GrpcCodegen",
        progress_message = "Generating gRPC stubs for " + str(ctx.label),
    )
    hdrs = [f for f in outs if f.path.endswith(".h")]
    srcs = [f for f in outs if f.path.endswith(".cc")]
    return [
        DefaultInfo(files = depset(outs)),
        OutputGroupInfo(hdrs = depset(hdrs), srcs = depset(srcs)),
    ]

_grpc_codegen = rule(
    implementation = _grpc_codegen_impl,
    attrs = {
        "proto": attr.label(mandatory = True, providers = [ProtoInfo]),
        "_protoc": attr.label(
            default = "@com_google_protobuf//:protoc",
            executable = True,
            cfg = "host",
        ),
        "_plugin": attr.label(
            default = "//third_party/grpc:grpc_cpp_plugin",
            executable = True,
            cfg = "host",
        ),
    },
)

def cc_grpc_library(name, srcs, deps, visibility = None, **kwargs):
    """Generates service stubs for the proto_library in srcs[0]."""
    if len(srcs) != 1:
        fail("cc_grpc_library takes exactly one proto_library")
    _grpc_codegen(name = name + "_codegen", proto = srcs[0])
    native.filegroup(name = name + "_hdrs", srcs = [":" + name + "_codegen"], output_group = "hdrs")
    native.filegroup(name = name + "_srcs", srcs = [":" + name + "_codegen"], output_group = "srcs")
    native.cc_library(
        name = name,
        srcs = [":" + name + "_srcs"],
        hdrs = [":" + name + "_hdrs"],
        deps = deps + ["//third_party:grpcpp"],
        visibility = visibility,
        **kwargs
    )
