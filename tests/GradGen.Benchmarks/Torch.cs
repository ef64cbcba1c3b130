using System;
using TorchSharp;

namespace GradGen.Benchmarks;

/// <summary>LibTorch set up once: as many intra-op threads as GradGen's kernels may use.</summary>
internal static class Torch
{
    private static bool s_initialized;

    public static void Initialize()
    {
        if (s_initialized) return;
        torch.set_num_threads(Environment.ProcessorCount);
        s_initialized = true;
    }
}
