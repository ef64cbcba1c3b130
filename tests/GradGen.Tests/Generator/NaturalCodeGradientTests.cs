using System;
using System.Linq;
using System.Reflection;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// Code a new user writes first (issue 17): reassigned parameters, compound assignment on tensor locals and on scalar
/// parameters, integer counters. Each case's generated backward against central finite differences in double; all cases
/// share one compilation.
/// </summary>
public class NaturalCodeGradientTests
{
    private static readonly int[] M = [2, 3];
    private static readonly int[] Square = [3, 3];

    public static readonly GradientCase[] Cases =
    [
        // reassigning a parameter rebinds it (the caller's value is untouched): x = x + f(x)
        new("ReassignScalarParameter", "double F(double x, double w) { x = x + Math.Sin(x) * w; x = x * w; return x; }", [null, null]),
        new("ReassignTensorParameterResidual", "Tensor<double> F(Tensor<double> x, Tensor<double> w) { x = x + Ops.Tanh(Ops.MatMul(x, w)); x = x + Ops.Tanh(Ops.MatMul(x, w)); return x; }", [M, Square]),
        new("ReassignParameterInLoop", "double F(Tensor<double> x, Tensor<double>[] ws) { for (int i = 0; i < ws.Length; i++) { x = x + Ops.Tanh(Ops.MatMul(x, ws[i])); } return Ops.Sum(x * x); }", [M, [2, 3, 3]]),
        new("ReassignParameterInBranch", "double F(double x, double w) { if (x > 0) x = x * w; else x = Math.Exp(x); return x * w; }", [null, null]),
        new("ReassignPassiveParameter", "double F(double x, int n) { var y = x; while (n > 0) { y = y * x + 0.5; n = n - 1; } return y; }", [null, null]),
        // compound assignment
        new("CompoundScalarParameter", "double F(double x, double w) { x += w * w; x *= Math.Sin(w); x -= 1; x /= w * w + 1; return x; }", [null, null]),
        new("CompoundTensorLocal", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> b, Tensor<double> g) { var h = Ops.MatMul(x, w); h += b; h *= g; h -= x; return h; }", [M, Square, [3], M]),
        new("CompoundTensorOnReboundParameter", "double F(Tensor<double> x, Tensor<double> b) { x = Ops.Tanh(x); x += b; x *= x; return Ops.Sum(x); }", [M, M]),
        // a plain helper called with passive arguments only: its result (a tensor too) is a constant of the differentiation
        new("PassiveHelperMask", "double F(Tensor<double> q) { var mask = Masks.Causal((int)q.Lengths[0], 0.0); return Ops.Sum(q * mask * q); }", [Square]),
        new("PassiveHelperScalar", "double F(double x, int n) => x * Masks.Twice(n) + Masks.Scale(n, 0.5) * x * x;", [null, null]),
        new("PassiveInstanceCall", "double F(double x, int n) => x * n.CompareTo(2) + x * x * (x == 2).GetHashCode();", [null, null]),
        // index from the end
        new("LengthsFromEnd", "double F(Tensor<double> q) { var s = 1.0 / Math.Sqrt(q.Lengths[^1]); return Ops.Sum(q * q) * s; }", [M]),
        // the README's tensor [DerivativeOf] example
        new("ReadmeTensorDerivative", "double F(Tensor<double> x, Tensor<double> w) => Ops.Sum(Masks.Softplus(Ops.MatMul(x, w)) * x);", [M, Square]),
        new("CompoundTensorLocalDivide", "double F(Tensor<double> x, Tensor<double> d) { var h = Ops.Exp(x); h /= d; return Ops.Mean(h); }", [M, M], Positive: true),
    ];

    public static TheoryData<GradientCase> CaseData() => GradientCase.Data(Cases);

    /// <summary>Plain helpers (not [Differentiable]) the cases call with passive arguments.</summary>
    public const string Helpers = """
        public static class Masks
        {
            public static Tensor<double> Causal(int t, double fill)
            {
                var a = new double[t * t];
                for (var i = 0; i < t; i++) for (var j = 0; j < t; j++) a[i * t + j] = j <= i ? 1 : fill;
                return Tensor.Create(a, new nint[] { t, t });
            }

            public static int Twice(int n) => 2 * n;

            public static double Scale(int n, double by) => n * by;

            public static Tensor<double> Softplus(Tensor<double> x) => Ops.Log(Ops.Exp(x) + 1.0);

            [DerivativeOf(nameof(Softplus))]
            public static void SoftplusPullback(Tensor<double> x, Tensor<double> y, Tensor<double> dY, Tensor<double> dX) =>
                Adjoint.Multiply(dY, Ops.Sigmoid(x), dX); // dX += dY ⊙ σ(x)
        }
        """;

    private static string[] Sources => GradientCase.Sources(Cases, Helpers);

    private static readonly Lazy<Assembly> Compiled = new(() => Harness.Load(Sources));

    [Theory]
    [MemberData(nameof(CaseData))]
    public void Generated_gradient_matches_finite_differences(GradientCase testCase) => testCase.Check(Compiled.Value);
}
