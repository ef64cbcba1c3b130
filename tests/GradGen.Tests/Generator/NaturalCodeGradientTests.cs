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
        // Ops.Split / Ops.Concat, arrays of tensors built in the method (issue 17)
        new("SplitQkv", "double F(Tensor<double> x, Tensor<double> w) { var qkv = Ops.MatMul(x, w); var parts = Ops.Split(qkv, -1, 3); var q = parts[0]; var k = parts[1]; var v = parts[2]; var s = Ops.Softmax(Ops.MatMul(q, Ops.Transpose(k))); return Ops.Sum(Ops.MatMul(s, v) * q); }", [M, [3, 6]]),
        new("SplitPartUnused", "double F(Tensor<double> x) { var parts = Ops.Split(x, 0, 2); return Ops.Sum(Ops.Exp(parts[1])); }", [[4, 3]]),
        new("SplitForEach", "double F(Tensor<double> x) { var s = 0.0; foreach (var p in Ops.Split(x, 1, 3)) s = s + Ops.Sum(p * p) * s + Ops.Mean(p); return s; }", [[2, 6]]),
        new("SplitInLoop", "Tensor<double> F(Tensor<double> h, Tensor<double> w) { for (int i = 0; i < 3; i++) { var halves = Ops.Split(h, 1, 2); h = Ops.Tanh(Ops.Concat(1, halves[1], halves[0] * halves[1]) * w); } return h; }", [[2, 4], [2, 4]]),
        new("ConcatArrayParameter", "Tensor<double> F(Tensor<double>[] xs) => Ops.Tanh(Ops.Concat(0, xs));", [[3, 2, 2]]),
        new("ConcatExplicitArray", "double F(Tensor<double> a, Tensor<double> b) { var both = new[] { a, Ops.Exp(b) }; return Ops.Sum(Ops.Concat(-1, both) * Ops.Concat(-1, both)) + Ops.Sum(both[1]); }", [M, M]),
        new("HeadsCollectedInLoop", "double F(Tensor<double> x, Tensor<double>[] ws) { var heads = new Tensor<double>[ws.Length]; for (int h = 0; h < ws.Length; h++) heads[h] = Ops.Tanh(Ops.MatMul(x, ws[h])); var y = Ops.Concat(1, heads); return Ops.Sum(y * y); }", [M, [2, 3, 3]]),
        new("HeadsReadBack", "double F(Tensor<double> x, Tensor<double>[] ws) { var heads = new Tensor<double>[ws.Length]; var s = 0.0; for (int h = 0; h < ws.Length; h++) { heads[h] = Ops.MatMul(x, ws[h]) * x; s = s + Ops.Sum(heads[h] * heads[h]); } foreach (var head in heads) s = s * Ops.Mean(head); return s + Ops.Sum(Ops.Concat(0, heads)); }", [M, [2, 3, 3]]),
        new("MultiHeadAttentionByHand", "double F(Tensor<double> x, Tensor<double> wqkv) { const int nh = 2; var parts = Ops.Split(Ops.MatMul(x, wqkv), -1, 3); var q = parts[0]; var k = parts[1]; var v = parts[2]; var hs = (int)q.Lengths[^1] / nh; var heads = new Tensor<double>[nh]; for (int h = 0; h < nh; h++) { var qh = Ops.Slice(q, 1, h * hs, hs); var kh = Ops.Slice(k, 1, h * hs, hs); var att = Ops.CausalSoftmax(Ops.MatMul(qh, Ops.Transpose(kh)), 1.0 / Math.Sqrt(hs)); heads[h] = Ops.MatMul(att, Ops.Slice(v, 1, h * hs, hs)); } var y = Ops.Concat(1, heads); return Ops.Sum(y * y); }", [[3, 4], [4, 12]]),
        new("HeadsConstantIndices", "Tensor<double> F(Tensor<double> a, Tensor<double> b) { var hs = new Tensor<double>[3]; hs[2] = a * b; hs[0] = Ops.Exp(a); hs[1] = b; return Ops.Concat(0, hs); }", [M, M]),
        // a static property or field of a passive type is a passive value (Random.Shared)
        new("StaticPropertyPassive", "double F(double x) { var r = Random.Shared; var one = r.Next(1, 2); return x * x * one + Masks.Heads * x + Random.Shared.Next(0, 1); }", [null]),
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

            public static readonly int Heads = 3;

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
