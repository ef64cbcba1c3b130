using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// Checks a backward kernel against central finite differences in double: the kernel accumulates into a buffer of ones
/// shaped like x, and the buffer must equal 1 + ∇ₓ Σ f(x) ⊙ dY (so accumulation really adds). Returns the largest
/// mixed error |a − n| / max(1, |n|), which the tests print for the record.
/// </summary>
internal static class Vjp
{
    public static double Check(Func<Tensor<double>, Tensor<double>> f, Tensor<double> x, Tensor<double> dY, Action<Tensor<double>> kernel, double tolerance = 1e-6)
        => CheckScalar(t => Weighted(f(t), dY), x, kernel, tolerance);

    public static double CheckScalar(Func<Tensor<double>, double> f, Tensor<double> x, Action<Tensor<double>> kernel, double tolerance = 1e-6)
    {
        var into = Filled(Shape(x), 1.0);
        kernel(into);
        double[] expected = FiniteDifferences(f, x);
        double[] actual = Flat(into);
        double worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] += 1;
            worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]) / Math.Max(1, Math.Abs(expected[i])));
        }
        AssertClose(expected, actual, tolerance);
        return worst;
    }
}
