using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// The planning pass (Differentiation/Planner.cs): its rules are exact, so every planned backward must return bit for bit
/// what the same method differentiated with <c>[Differentiable(Plan = false)]</c> returns, on the same inputs, in both
/// generated forms — checked over the rule, control-flow and natural-code tables and over chains built so that every rule
/// fires (each chain also against finite differences).
/// </summary>
public class PlanningTests
{
    private static readonly int[] M = [2, 3];
    private static readonly int[] Square = [3, 3];

    /// <summary>Chains of ops over intermediates, so that each gradient is first declared, then written, then dead.</summary>
    public static readonly GradientCase[] Chains =
    [
        new("PlanMatMulChain", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> v) => Ops.MatMul(Ops.Tanh(Ops.MatMul(Ops.Exp(x * 0.5), w)), v);", [M, Square, Square]),
        new("PlanBatchedMatMul", "Tensor<double> F(Tensor<double> a, Tensor<double> b) => Ops.MatMul(Ops.Sigmoid(a), Ops.Tanh(b));", [[2, 2, 3], [2, 3, 2]]),
        new("PlanViews", "Tensor<double> F(Tensor<double> x) => Ops.Square(Ops.Permute(Ops.TransposeAxes(Ops.Reshape(Ops.Sigmoid(x), 2, 3, 1), 0, 1), 2, 0, 1));", [M]),
        new("PlanTranspose", "Tensor<double> F(Tensor<double> x, Tensor<double> w) => Ops.MatMul(w, Ops.Transpose(Ops.Square(x)));", [M, Square]),
        new("PlanActivations", "Tensor<double> F(Tensor<double> x) => Ops.Relu(x * 2.0) * Ops.Gelu(Ops.Sqrt(Ops.Exp(Ops.Log(Ops.Square(x) + 1.0))));", [M]),
        new("PlanCausalSoftmax", "Tensor<double> F(Tensor<double> s) => Ops.Square(Ops.CausalSoftmax(Ops.Tanh(s) * 3.0, 0.5));", [[2, 5, 5]]),
        new("PlanResidual", "Tensor<double> F(Tensor<double> x, Tensor<double> w) { var h = Ops.Tanh(x); var r = h + Ops.MatMul(h, w); return r + Ops.Sigmoid(r); }", [M, Square]),
        new("PlanLoss", "double F(Tensor<double> x, Tensor<double> w, int[] targets) => Ops.SoftmaxCrossEntropy(Ops.MatMul(Ops.Tanh(x), w), targets);", [M, Square, null]),
        new("PlanLoop", "Tensor<double> F(Tensor<double> x, Tensor<double> w) { var h = x; for (var i = 0; i < 3; i++) { var t = Ops.Tanh(Ops.MatMul(h, w)); h = h + t; } return Ops.Square(h); }", [M, Square]),
        new("PlanWhile", "Tensor<double> F(Tensor<double> x, Tensor<double> w) { var h = x; var i = 0; while (i < 2) { h = Ops.Sigmoid(Ops.MatMul(h, w)) * 2.0; i++; } return h; }", [M, Square]),
        new("PlanFusedBias", "Tensor<double> F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3, 3\")] Tensor<double> w, [Shape(\"3\")] Tensor<double> b) => Ops.Tanh(Ops.MatMul(x, w) + b);", [M, Square, [3]]),
        new("PlanFusedBiasOps", "Tensor<double> F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3, 3\")] Tensor<double> w, [Shape(\"3\")] Tensor<double> b) { var h = Ops.Add(Ops.MatMul(x, w), b); return Ops.Add(Ops.MatMul(h, w), b) * h; }", [M, Square, [3]]),
        new("PlanFusedBiasBatched", "Tensor<double> F([Shape(\"2, B, 3\")] Tensor<double> x, [Shape(\"3, 3\")] Tensor<double> w, [Shape(\"3\")] Tensor<double> b) => Ops.Sigmoid(Ops.MatMul(Ops.Exp(x), w) + b);", [[2, 2, 3], Square, [3]]),
        new("PlanFusedBiasRelu", "double F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3, 3\")] Tensor<double> w, [Shape(\"3\")] Tensor<double> b, [Shape(\"3, 2\")] Tensor<double> v, [Shape(\"2\")] Tensor<double> c, int[] targets) { var h = Ops.Relu(Ops.MatMul(Ops.Tanh(x), w) + b); return Ops.SoftmaxCrossEntropy(Ops.MatMul(h, v) + c, targets); }", [M, Square, [3], [3, 2], [2], null]),
        new("PlanFusedBiasGelu", "double F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3, 3\")] Tensor<double> w, [Shape(\"3\")] Tensor<double> b, [Shape(\"3, 2\")] Tensor<double> v, int[] targets) { var h = Ops.Gelu(Ops.MatMul(Ops.Tanh(x), w) + b); return Ops.SoftmaxCrossEntropy(Ops.MatMul(h, v), targets); }", [M, Square, [3], [3, 2], null]),
        new("PlanFusedBiasGeluBatched", "Tensor<double> F([Shape(\"2, B, 3\")] Tensor<double> x, [Shape(\"3, 3\")] Tensor<double> w, [Shape(\"3\")] Tensor<double> b) => Ops.Square(Ops.Gelu(Ops.Add(Ops.MatMul(Ops.Exp(x), w), b)));", [[2, 2, 3], Square, [3]]),
        new("PlanBiasGelu", "Tensor<double> F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3\")] Tensor<double> b) => Ops.Square(Ops.Gelu(Ops.Tanh(x) + b));", [M, [3]]),
        new("PlanBiasGeluAccumulated", "Tensor<double> F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3\")] Tensor<double> b) => Ops.Gelu(x + b) * x;", [M, [3]]),
        new("PlanMeanSquaredError", "double F(Tensor<double> x, Tensor<double> w, Tensor<double> y) => Ops.Mean(Ops.Square(Ops.MatMul(x, w) - y)) + Ops.Sum(Ops.Tanh(x) * Ops.Exp(y));", [M, Square, M]),
        // The lane kernels' written forms: softmax along an axis and along the last, log-softmax, sums and means along an axis.
        new("PlanSoftmaxAxes", "Tensor<double> F(Tensor<double> x) => Ops.Square(Ops.Softmax(Ops.Tanh(x), 0)) + Ops.Exp(Ops.LogSoftmax(x * 2.0, 1)) + Ops.Sigmoid(Ops.Softmax(Ops.Exp(x)));", [M]),
        new("PlanAxisReductions", "Tensor<double> F(Tensor<double> x) => Ops.Square(Ops.Add(Ops.Sum(Ops.Tanh(x), 1, true), Ops.Mean(Ops.Exp(x), 0, true)));", [M]),
        new("PlanDivide", "Tensor<double> F(Tensor<double> x, Tensor<double> y) => Ops.Square(Ops.Tanh(x) / (Ops.Exp(y) + 1.0));", [M, M]),
        // Slices: one (its first write zero-fills the rest), an LSTM's gates tiling a product's columns, and a gap (no tiling).
        new("PlanSlice", "Tensor<double> F(Tensor<double> x) => Ops.Square(Ops.Slice(Ops.Tanh(x), 1, 1, 2));", [M]),
        new("PlanSliceGates", "Tensor<double> F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3, 6\")] Tensor<double> w) { var z = Ops.MatMul(x, w); var i = Ops.Sigmoid(Ops.Slice(z, 1, 0, 2)); var g = Ops.Tanh(Ops.Slice(z, 1, 2, 2)); var o = Ops.Sigmoid(Ops.Slice(z, -1, 4, 2)); return i * g + o; }", [M, [3, 6]]),
        new("PlanSliceGap", "Tensor<double> F(Tensor<double> x, [Shape(\"3, 6\")] Tensor<double> w) { var z = Ops.Exp(Ops.MatMul(x, w) * 0.5); return Ops.Slice(z, 1, 0, 2) * Ops.Slice(z, 1, 3, 2); }", [M, [3, 6]]),
        new("PlanSplit", "Tensor<double> F(Tensor<double> x) { var parts = Ops.Split(Ops.Tanh(x), 1, 3); return Ops.Square(parts[0]) + Ops.Exp(parts[2]); }", [M]),
        new("PlanLayerNorm", "Tensor<double> F(Tensor<double> x, Tensor<double> w, Tensor<double> b) => Ops.Square(Ops.LayerNorm(Ops.Tanh(x), w, b, 1e-5)) + Ops.LayerNorm(x, w, b, 1e-5);", [M, [3], [3]]),
        new("PlanTransposedProduct", "Tensor<double> F(Tensor<double> x, Tensor<double> w) => Ops.Square(Ops.MatMul(Ops.Tanh(x), Ops.Transpose(Ops.Exp(w * 0.5))));", [M, [4, 3]]),
        new("PlanTransposedBatched", "double F(Tensor<double> x, Tensor<double> w) => Ops.Sum(Ops.Sigmoid(Ops.MatMul(x, Ops.Transpose(w))));", [[2, 2, 3], [4, 3]]),
        new("PlanHeads", "Tensor<double> F([Shape(\"2, 3, 12\")] Tensor<double> x) { var qkv = Ops.Tanh(x); var q = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, 0, 4), 2, 3, 2, 2), 1, 2); var k = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, 4, 4), 2, 3, 2, 2), 1, 2); var v = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, -1, 8, 4), 2, 3, 2, -1), 1, 2); var y = Ops.MatMul(Ops.MatMul(q, Ops.TransposeAxes(k, 2, 3)), v); return Ops.Reshape(Ops.TransposeAxes(y, 1, 2), 2, 3, 4) * 2.0; }", [[2, 3, 12]]),
        new("PlanHeadsTiledShort", "Tensor<double> F([Shape(\"2, 3, 20\")] Tensor<double> x, int n) { var qkv = Ops.Exp(x * 0.5); var k = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, 2 * n, 2 * n), 2, 3, 2, n), 1, 2); var q = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, 0, 2 * n), 2, 3, 2, n), 1, 2); var v = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(qkv, 2, 4 * n, 2 * n), 2, 3, 2, n), 1, 2); return Ops.MergeHeads(Ops.MatMul(Ops.MatMul(q, Ops.TransposeAxes(k, 2, 3)), v) * q, 1, 2, new[] { 2, 3, 2 * n }); }", [[2, 3, 20], null]),
        new("PlanHeadsPartial", "Tensor<double> F([Shape(\"2, 3, 12\")] Tensor<double> x) { var s = Ops.Tanh(x); var a = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(s, 2, 2, 6), 2, 3, 3, 2), 1, 2); var b = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(s, 2, 4, 6), 2, 3, 2, 3), 2, 1); return Ops.Reshape(Ops.TransposeAxes(Ops.Square(a), 1, 2), 2, 3, 6) + Ops.Reshape(Ops.TransposeAxes(Ops.Exp(b), -3, -2), 2, 3, 6); }", [[2, 3, 12]]),
        new("PlanHeadsReinterpreted", "double F([Shape(\"2, 3, 4\")] Tensor<double> x) { var s = Ops.Exp(x * 0.5); var h = Ops.TransposeAxes(Ops.Reshape(Ops.Slice(s, 2, 1, 2), 3, 2, 1, 2), 1, 2); return Ops.Sum(Ops.Reshape(Ops.TransposeAxes(Ops.Sigmoid(h), 1, 2), 2, 2, 3) * Ops.Reshape(Ops.Slice(s, 2, 0, 2), 2, 2, 3)); }", [[2, 3, 4]]),
        // alias (Alias_shares_a_copied_gradient_only_where_no_read_can_tell): a copy kept and a copy taken, each.
        new("PlanAliasRefused", "Tensor<double> F(Tensor<double> x, Tensor<double> w) { var a = Ops.Tanh(x); var b = Ops.MatMul(a, w); return Ops.Square(a + b); }", [M, Square]),
        new("PlanAliasReshape", "double F(Tensor<double> x, Tensor<double> w) { var a = Ops.Tanh(x); var s = Ops.Sum(a * a); var r = Ops.Reshape(a, 3, 2); return Ops.Sum(Ops.MatMul(r, w)) + s; }", [M, [2, 2]]),
        new("PlanAliasUpstreamRead", "Tensor<double> F(Tensor<double> x, Tensor<double> w) => Ops.Reshape(Ops.Sigmoid(Ops.MatMul(x, w)), 3, 2);", [M, Square]),
        new("PlanAliasUpstreamWritten", "Tensor<double> F(Tensor<double> x, Tensor<double> w) { var h = Ops.Sigmoid(Ops.MatMul(x, w)); return Ops.Reshape(h + Ops.Exp(h), 3, 2); }", [M, Square]),
        new("PlanBranch", "Tensor<double> F(Tensor<double> x, Tensor<double> w, int n) { var t = Ops.Exp(Ops.MatMul(x, w) * 0.5); if (n > 1) { var u = Ops.Transpose(Ops.Tanh(t)); return Ops.Transpose(u * 3.0); } return Ops.Square(t); }", [M, Square, null]),
    ];

    public static TheoryData<GradientCase> ChainData() => GradientCase.Data(Chains);

    private static readonly Lazy<Assembly> ChainsCompiled = new(() => Harness.Load(Sources(Chains, "")));

    [Theory]
    [MemberData(nameof(ChainData))]
    public void Planned_chain_matches_finite_differences(GradientCase testCase) => testCase.Check(ChainsCompiled.Value);

    /// <summary>Each table of gradient cases, with the unplanned twin of every case (<c>NameUnplanned</c>) beside it.</summary>
    public static TheoryData<string> Tables => new() { "Chains", "Rules", "ControlFlow", "NaturalCode" };

    private static (GradientCase[] Cases, string Helpers) Table(string name) => name switch
    {
        "Chains" => (Chains, ""),
        "Rules" => (RuleGradientTests.Cases, RuleGradientTests.HelpersSource),
        "ControlFlow" => (ControlFlowGradientTests.Cases, ControlFlowGradientTests.CustomSource),
        _ => (NaturalCodeGradientTests.Cases, NaturalCodeGradientTests.Helpers),
    };

    /// <summary>The cases, their unplanned twins and the helpers, as one batch.</summary>
    /// <summary>The planned backward generated for the chain named <paramref name="name"/> (that chain alone run through the generator).</summary>
    private static string GeneratedChain(string name) =>
        Harness.Run(Sources(Chains.Where(c => c.Name == name), "")).Generated.Single(g => g.HintName.StartsWith(name + ".", StringComparison.Ordinal)).Source;

    private static string[] Sources(IEnumerable<GradientCase> cases, string helpers) =>
        GradientCase.Sources(cases, helpers).Concat(cases.Select(Unplanned)).ToArray();

    private static string Unplanned(GradientCase testCase)
    {
        var source = testCase.Source.Replace("public static partial class " + testCase.Name + "\n", "public static partial class " + testCase.Name + "Unplanned\n", StringComparison.Ordinal);
        Assert.Contains("Unplanned", source);
        return source.Replace("[Differentiable]", "[Differentiable(Plan = false)]", StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Tables))]
    public void Planned_and_unplanned_backwards_agree_bit_for_bit(string table)
    {
        var (cases, helpers) = Table(table);
        var result = Harness.Run(Sources(cases, helpers));
        Assert.Empty(result.GeneratorDiagnostics);
        var compiled = Harness.Emit(result.Output);
        var planned = 0;
        foreach (var testCase in cases)
        {
            var seed = testCase.Name.GetHashCode(StringComparison.Ordinal) & 0xffff;
            var withPlan = GradientChecker.Outputs(compiled.GetType(testCase.Name)!, "F", testCase.Shapes, testCase.Positive, seed);
            var without = GradientChecker.Outputs(compiled.GetType(testCase.Name + "Unplanned")!, "F", testCase.Shapes, testCase.Positive, seed);
            Assert.Equal(without.Length, withPlan.Length);
            for (var k = 0; k < withPlan.Length; k++)
            {
                Assert.True(without[k].SequenceEqual(withPlan[k]), $"{testCase.Name}: output {k} differs between the planned and the unplanned backward");
            }
            var source = result.Generated.Single(g => g.HintName.StartsWith(testCase.Name + ".", StringComparison.Ordinal)).Source;
            var twin = result.Generated.Single(g => g.HintName.StartsWith(testCase.Name + "Unplanned.", StringComparison.Ordinal)).Source;
            // The switch works: the unplanned twin has no planned statement.
            Assert.DoesNotContain("(planned)", twin);
            Assert.DoesNotContain("Workspace.Release", twin);
            if (source.Contains("(planned)", StringComparison.Ordinal)) planned++;
        }
        // A table whose cases planning never touched would compare nothing (the rule table's single ops mostly have no
        // intermediate to plan; every chain is built to have some).
        Assert.True(table == "Chains" ? planned == cases.Length : planned > 0, $"{table}: planning rewrote {planned} of {cases.Length} cases");
    }

    /// <summary>
    /// The heads rule takes each q/k/v chain and the merge; the heads' slices tile ∂L/∂qkv, so each writes its own range
    /// (no zero fill, nothing added) — no sliced, reshaped or transposed gradient in between.
    /// </summary>
    [Fact]
    public void Heads_chains_become_one_op_each_and_write_the_sliced_gradient_directly()
    {
        var generated = GeneratedChain("PlanHeads");
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(generated, @"Float64\.Ops\.SplitHeads\(qkv, ").Count);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(generated, @"Float64\.Ops\.MergeHeads\(").Cast<System.Text.RegularExpressions.Match>());
        Assert.DoesNotContain("Ops.Slice(", generated);
        Assert.DoesNotContain("ZerosLike(tape.qkv)", generated);
        Assert.Contains("var dQkv = global::GradGen.Float64.Adjoint.Uninitialized(tape.qkv);", generated);
        // q, k, v take [0, 4), [4, 8), [8, 12): tiled, each writes its own range; v's is the last, and the first written.
        var adjoints = generated.Split('\n').Where(line => line.Contains("Adjoint.SplitHeads(", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, adjoints.Count);
        Assert.All(adjoints, line => Assert.Contains("overwrite: true, onlySlice: true", line));
        Assert.Single(adjoints, line => line.Contains("clearAfter: true", StringComparison.Ordinal));
        Assert.Contains("clearAfter: true", adjoints[0]);
        Assert.Contains("// tiled (planned): ", generated);
        Assert.Contains("fused (planned): ", generated);
        // Overlapping slices ([2, 8) and [4, 10)) do not tile: the first write zero-fills, the other adds.
        var partial = GeneratedChain("PlanHeadsPartial");
        Assert.DoesNotContain("onlySlice", partial);
        Assert.Single(partial.Split('\n'), line => line.Contains("Adjoint.SplitHeads(", StringComparison.Ordinal) && line.Contains("overwrite: true", StringComparison.Ordinal));
        // Slices at 0, 2n, 4n of length 2n tile [0, 6n) of an axis of 20: tiled, the last also zeroing after it.
        var shorter = GeneratedChain("PlanHeadsTiledShort");
        Assert.Equal(3, shorter.Split('\n').Count(line => line.Contains("Adjoint.SplitHeads(", StringComparison.Ordinal) && line.Contains("onlySlice: true", StringComparison.Ordinal)));
        Assert.Single(shorter.Split('\n'), line => line.Contains("Adjoint.SplitHeads(dV, 2, tape.t", StringComparison.Ordinal) && line.Contains("clearAfter: true", StringComparison.Ordinal));
        // Only the q·kᵀ transpose stays a TransposeAxes (forward and its adjoint).
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Matches(generated, @"\.TransposeAxes\(").Count);
    }

    /// <summary>
    /// Slices that tile an axis of their source (an LSTM's gates out of one product) each write their own range of its
    /// gradient: no zero fill, nothing added; one slice alone writes its range and zeros the rest; slices with a gap between
    /// them do not tile (the first write zero-fills, the other adds).
    /// </summary>
    [Fact]
    public void Slices_that_tile_an_axis_write_their_own_ranges()
    {
        static List<string> SliceAdjoints(string generated) => generated.Split('\n').Where(line => line.Contains("Adjoint.Slice(", StringComparison.Ordinal)).ToList();
        var gates = GeneratedChain("PlanSliceGates");
        Assert.DoesNotContain("ZerosLike(tape.z)", gates);
        Assert.Contains("var dZ = global::GradGen.Float64.Adjoint.Uninitialized(tape.z);", gates);
        var adjoints = SliceAdjoints(gates);
        Assert.Equal(3, adjoints.Count);
        Assert.True(adjoints.All(line => line.Contains("overwrite: true, onlySlice: true", StringComparison.Ordinal)), gates);
        // The reverse sweep reaches o's slice [4, 6) first; it is the tiling's last, so it also zeros after it.
        Assert.Single(adjoints, line => line.Contains("clearAfter: true", StringComparison.Ordinal));
        Assert.Contains("clearAfter: true", adjoints[0]);
        Assert.Contains("// tiled (planned): the slices of ∂L/∂z tile its axis", gates);
        var single = SliceAdjoints(GeneratedChain("PlanSlice"));
        Assert.Contains(single, line => line.Contains("overwrite: true", StringComparison.Ordinal) && !line.Contains("onlySlice", StringComparison.Ordinal));
        var gap = SliceAdjoints(GeneratedChain("PlanSliceGap"));
        Assert.Equal(2, gap.Count);
        Assert.DoesNotContain(gap, line => line.Contains("onlySlice", StringComparison.Ordinal));
        Assert.Single(gap, line => line.Contains("overwrite: true", StringComparison.Ordinal));
    }

    /// <summary>
    /// The alias rule shares a copied gradient buffer only where no read can tell: not where an adjoint reads the copy while
    /// writing the buffer it would share (a + b with b = a·w: the product's adjoint reads ∂L/∂b and adds into ∂L/∂a, which
    /// took the buffer); a reshape's input takes the upstream buffer as a view, then added into once that buffer is dead; the
    /// caller's ∂L/∂result is taken only by a gradient that is never written.
    /// </summary>
    [Fact]
    public void Alias_shares_a_copied_gradient_only_where_no_read_can_tell()
    {
        var cases = Chains.Where(c => c.Name.StartsWith("PlanAlias", StringComparison.Ordinal)).ToList();
        var generated = Harness.Run(Sources(cases, "")).Generated;
        string Of(string name) => generated.Single(g => g.HintName.StartsWith(name + ".", StringComparison.Ordinal)).Source;

        var refused = Of("PlanAliasRefused");
        Assert.DoesNotContain("alias (planned)", refused);
        Assert.Contains("var dA = global::GradGen.Float64.Adjoint.Reduce(dT0, tape.a);", refused);
        Assert.Contains("global::GradGen.Float64.Adjoint.Identity(dT0, dB, overwrite: true);", refused);

        var reshape = Of("PlanAliasReshape");
        Assert.Contains("// alias (planned): ∂L/∂a takes the buffer dR as a view in its shape", reshape);
        Assert.Contains("var dA = global::GradGen.Float64.Adjoint.Reshaped(dR, tape.a);", reshape);
        Assert.Contains("global::GradGen.Float64.Adjoint.Multiply(dT0, tape.a, dA);", reshape);
        Assert.DoesNotContain("Adjoint.Reshape(", reshape);

        // The caller's dY, reshaped: taken as a view where the gradient is only read (σ's adjoint reads it); a copy where
        // it is written (h + exp(h): ∂L/∂h shares the reshaped buffer and exp's adjoint adds into it) — and so is the
        // copy for exp's operand, which is read while ∂L/∂h is written.
        var read = Of("PlanAliasUpstreamRead");
        Assert.Contains("var dT1 = global::GradGen.Float64.Adjoint.Reshaped(dY, tape.t1);", read);
        Assert.DoesNotContain("Workspace.Release(dY)", read);
        var written = Of("PlanAliasUpstreamWritten");
        Assert.DoesNotContain("alias (planned)", written);
        Assert.Contains("global::GradGen.Float64.Adjoint.Reshape(dY, dT2, overwrite: true);", written);
        Assert.Contains("global::GradGen.Float64.Adjoint.Identity(dT2, dT1, overwrite: true);", written);
    }

    /// <summary>
    /// A loop's carried gradient is declared at the top of each reverse iteration; when the first statement that names it
    /// is a contribution that can write (here the product's ∂L/∂h), the declaration moves down to it and first-write applies.
    /// </summary>
    [Fact]
    public void A_declaration_ahead_of_its_first_write_moves_down_to_it()
    {
        var generated = GeneratedChain("PlanWhile");
        var all = generated.Split('\n').Select(l => l.Trim()).ToList();
        var start = all.FindIndex(l => l.Contains(" FPullback(in ", StringComparison.Ordinal));
        var lines = all.Skip(start).TakeWhile((l, k) => k == 0 || !l.StartsWith("public static", StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(lines, l => l.Contains("ZerosLike(", StringComparison.Ordinal));
        var declaration = lines.IndexOf("var dH = global::GradGen.Float64.Adjoint.Uninitialized(jStep.h);");
        Assert.True(declaration > 0, "∂L/∂h is not declared uninitialised");
        Assert.Equal("global::GradGen.Float64.Adjoint.MatMulLeft(dT2, tape.w, dH, overwrite: true);", lines[declaration + 1]);
        Assert.Equal("// first-write (planned): ∂L/∂h written, not zero-filled then added to", lines[declaration - 1]);
    }

    /// <summary>Whether generated code calls <paramref name="member"/> (<c>Ops.MatMul</c>) of the float or double facade.</summary>
    private static bool Calls(string generated, string member) =>
        System.Text.RegularExpressions.Regex.IsMatch(generated, @"global::GradGen\.Float(32|64)\." + System.Text.RegularExpressions.Regex.Escape(member) + @"\(");

    /// <summary>Every kernel the rule table marks as able to write is called writing by some chain, and the chains release buffers.</summary>
    [Fact]
    public void Chains_exercise_every_writing_kernel_and_release()
    {
        var result = Harness.Run(Sources(Chains, ""));
        var generated = string.Join("\n", result.Generated.Select(g => g.Source));
        // The kernels of the adjoints that can write ("{Adjoint}.MatMulLeft(…" → MatMulLeft); Identity is the pass-through's.
        var writing = GradGen.Generators.Differentiation.Rules.All.SelectMany(r => r.Adjoints).Where(a => a is { CanOverwrite: true })
            .Select(a => a!.Code.Substring("{Adjoint}.".Length, a.Code.IndexOf('(') - "{Adjoint}.".Length)).Distinct().ToList();
        Assert.NotEmpty(writing);
        foreach (var kernel in writing)
        {
            Assert.True(Calls(generated, "Adjoint." + kernel)
                        && generated.Split('\n').Any(line => line.Contains("Adjoint." + kernel + "(", StringComparison.Ordinal) && line.Contains("overwrite: true", StringComparison.Ordinal)),
                $"no chain calls Adjoint.{kernel} with overwrite: true");
        }
        Assert.Contains("global::GradGen.Workspace.Release(", generated);
        Assert.Contains("fused (planned)", generated);
        Assert.True(Calls(generated, "Ops.OperatorMatMulBias"), "no chain calls Ops.OperatorMatMulBias");
        Assert.True(Calls(generated, "Ops.MatMulBias"), "no chain calls Ops.MatMulBias");
        Assert.True(Calls(generated, "Ops.OperatorMatMulBiasRelu"), "no chain calls Ops.OperatorMatMulBiasRelu");
        Assert.True(Calls(generated, "Adjoint.MatMulBiasRelu"), "no chain calls Adjoint.MatMulBiasRelu");
        Assert.True(Calls(generated, "Ops.MatMulTransposed"), "no chain calls Ops.MatMulTransposed");
        Assert.True(Calls(generated, "Ops.OperatorBiasGelu"), "no chain calls Ops.OperatorBiasGelu");
        Assert.True(Calls(generated, "Ops.BiasGelu"), "no chain calls Ops.BiasGelu");
        // Every operand gradient a fused kernel can write is written by some chain (planned first write, or a caller's gradient
        // written when asked).
        foreach (var rule in GradGen.Generators.Differentiation.Rules.All.Where(r => r.Kernel is not null))
        {
            var kernel = rule.Kernel!.Substring("{Adjoint}.".Length, rule.Kernel.IndexOf('(') - "{Adjoint}.".Length);
            foreach (var argument in rule.KernelWrites.OfType<string>())
            {
                Assert.True(generated.Split('\n').Any(line => Calls(line, "Adjoint." + kernel) && line.Contains(", " + argument + ": ", StringComparison.Ordinal)),
                    $"no chain calls Adjoint.{kernel} with {argument}:");
            }
        }
        // BiasGelu's is called writing and adding.
        var biasGelu = generated.Split('\n').Where(line => Calls(line, "Adjoint.BiasGelu")).ToList();
        Assert.Contains(biasGelu, line => line.Contains("overwrite: true", StringComparison.Ordinal));
        Assert.Contains(biasGelu, line => !line.Contains("overwrite: true", StringComparison.Ordinal));
        Assert.True(Calls(generated, "Ops.SplitHeads"), "no chain calls Ops.SplitHeads");
        Assert.True(Calls(generated, "Ops.MergeHeads"), "no chain calls Ops.MergeHeads");
    }
}
