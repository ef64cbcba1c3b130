using System;
using System.Numerics.Tensors;

namespace GradGen.Tests.Runtime;

/// <summary>Helpers for the runtime tests: seeded random tensors, naive reference loops and central differences.</summary>
internal static class TestTensors
{
    /// <summary>A dense tensor of the given shape with values uniform in [low, high).</summary>
    public static Tensor<double> Random(Random rng, int[] shape, double low = -1, double high = 1)
    {
        var data = new double[Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = low + (high - low) * rng.NextDouble();
        return Tensor.Create(data, Lengths(shape));
    }

    /// <summary>Values of magnitude in [0.1, 1) with random sign: safely away from ReLU's kink at 0.</summary>
    public static Tensor<double> AwayFromZero(Random rng, int[] shape)
    {
        var data = new double[Count(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (0.1 + 0.9 * rng.NextDouble()) * (rng.Next(2) == 0 ? -1 : 1);
        return Tensor.Create(data, Lengths(shape));
    }

    public static Tensor<double> Filled(int[] shape, double value)
    {
        var data = new double[Count(shape)];
        Array.Fill(data, value);
        return Tensor.Create(data, Lengths(shape));
    }

    public static Tensor<double> FromArray(double[] data, params int[] shape) => Tensor.Create(data, Lengths(shape));

    public static nint[] Lengths(int[] shape) => Array.ConvertAll(shape, d => (nint)d);

    public static int[] Shape<T>(Tensor<T> t) => Array.ConvertAll(t.Lengths.ToArray(), d => (int)d);

    public static int Count(int[] shape)
    {
        int n = 1;
        foreach (int d in shape) n *= d;
        return n;
    }

    /// <summary>The elements in row-major order (works for strided views).</summary>
    public static double[] Flat(Tensor<double> t)
    {
        var flat = new double[t.FlattenedLength];
        t.FlattenTo(flat);
        return flat;
    }

    public static float[] Flat(Tensor<float> t)
    {
        var flat = new float[t.FlattenedLength];
        t.FlattenTo(flat);
        return flat;
    }

    /// <summary>A dense copy (fresh storage).</summary>
    public static Tensor<double> Copy(Tensor<double> t) => Tensor.Create(Flat(t), t.Lengths);

    /// <summary>Central differences of f at x (x is perturbed in place through its indexer and restored).</summary>
    public static double[] FiniteDifferences(Func<Tensor<double>, double> f, Tensor<double> x, double h = 1e-6)
    {
        int[] shape = Shape(x);
        var gradient = new double[Count(shape)];
        var index = new nint[shape.Length];
        for (int i = 0; i < gradient.Length; i++)
        {
            double saved = x[index];
            x[index] = saved + h;
            double high = f(x);
            x[index] = saved - h;
            double low = f(x);
            x[index] = saved;
            gradient[i] = (high - low) / (2 * h);
            Next(index, shape);
        }
        return gradient;
    }

    /// <summary>Central difference of a scalar function.</summary>
    public static double FiniteDifference(Func<double, double> f, double x, double h = 1e-6) => (f(x + h) - f(x - h)) / (2 * h);

    /// <summary>Σ y ⊙ w, the scalar whose gradient is the vector-Jacobian product with w.</summary>
    public static double Weighted(Tensor<double> y, Tensor<double> w)
    {
        Assert.Equal(Shape(w), Shape(y));
        double[] a = Flat(y), b = Flat(w);
        double total = 0;
        for (int i = 0; i < a.Length; i++) total += a[i] * b[i];
        return total;
    }

    /// <summary>Asserts element-wise closeness with a mixed absolute/relative tolerance, naming the first bad index.</summary>
    public static void AssertClose(double[] expected, double[] actual, double tolerance = 1e-6)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double error = Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i]));
            Assert.True(error <= tolerance, $"index {i}: expected {expected[i]:R}, actual {actual[i]:R} (error {error:E2})");
        }
    }

    public static void AssertClose(double expected, double actual, double tolerance = 1e-6)
        => AssertClose(new[] { expected }, new[] { actual }, tolerance);

    /// <summary>Advances a row-major multi-index.</summary>
    public static void Next(nint[] index, int[] shape)
    {
        for (int d = index.Length - 1; d >= 0; d--)
        {
            if (++index[d] < shape[d]) return;
            index[d] = 0;
        }
    }

    /// <summary>numpy broadcast of two shapes, written independently of the runtime; null when they do not broadcast.</summary>
    public static int[]? BroadcastShape(int[] a, int[] b)
    {
        int rank = Math.Max(a.Length, b.Length);
        var result = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            int la = d - (rank - a.Length) >= 0 ? a[d - (rank - a.Length)] : 1;
            int lb = d - (rank - b.Length) >= 0 ? b[d - (rank - b.Length)] : 1;
            if (la != lb && la != 1 && lb != 1) return null;
            result[d] = Math.Max(la, lb) == 0 || Math.Min(la, lb) == 0 ? 0 : Math.Max(la, lb);
        }
        return result;
    }

    /// <summary>The index into an operand of shape <paramref name="shape"/> that result index <paramref name="resultIndex"/> reads (broadcasting).</summary>
    public static nint[] SourceIndex(nint[] resultIndex, int[] shape)
    {
        var index = new nint[shape.Length];
        int offset = resultIndex.Length - shape.Length;
        for (int d = 0; d < shape.Length; d++) index[d] = shape[d] == 1 ? 0 : resultIndex[d + offset];
        return index;
    }

    /// <summary>Naive broadcast element-wise op through tensor indexers.</summary>
    public static double[] NaiveBinary(Func<double, double, double> op, Tensor<double> a, Tensor<double> b, out int[] shape)
    {
        int[] sa = Shape(a), sb = Shape(b);
        shape = BroadcastShape(sa, sb) ?? throw new InvalidOperationException("shapes do not broadcast");
        var result = new double[Count(shape)];
        var index = new nint[shape.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = op(a[SourceIndex(index, sa)], b[SourceIndex(index, sb)]);
            Next(index, shape);
        }
        return result;
    }

    /// <summary>Naive reduce: sums a full-shaped tensor into the shape of a broadcast operand.</summary>
    public static double[] NaiveReduce(Tensor<double> full, int[] operandShape)
    {
        int[] shape = Shape(full);
        var operand = Tensor.Create(new double[Count(operandShape)], Lengths(operandShape));
        var index = new nint[shape.Length];
        for (int i = 0; i < Count(shape); i++)
        {
            operand[SourceIndex(index, operandShape)] += full[index];
            Next(index, shape);
        }
        return Flat(operand);
    }

    /// <summary>Naive matrix product.</summary>
    public static double[] NaiveMatMul(double[] a, double[] b, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                c[i * n + j] = s;
            }
        }
        return c;
    }
}
