using System;
using System.Numerics.Tensors;

namespace GradGen.Benchmarks;

/// <summary>Seeded data shared by every contender, so all of them start from the same weights and inputs.</summary>
internal static class Data
{
    /// <summary>Row-major values uniform in [−scale, scale), from a fixed seed.</summary>
    public static float[] Uniform(int seed, int count, float scale)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i++) values[i] = (float)(random.NextDouble() * 2 - 1) * scale;
        return values;
    }

    /// <summary>A dense GradGen tensor over a copy of <paramref name="values"/>.</summary>
    public static Tensor<float> Tensor(float[] values, params int[] shape)
        => System.Numerics.Tensors.Tensor.Create((float[])values.Clone(), Array.ConvertAll(shape, d => (nint)d));

    /// <summary>Class indices in [0, classes) from a fixed seed.</summary>
    public static int[] Targets(int seed, int count, int classes)
    {
        var random = new Random(seed);
        var targets = new int[count];
        for (int i = 0; i < count; i++) targets[i] = random.Next(classes);
        return targets;
    }
}
