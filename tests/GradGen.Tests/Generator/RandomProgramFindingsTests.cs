using System;
using System.Linq;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// The smallest programs behind failures the random programs found (<see cref="RandomProgramTests"/>, tests/fuzz.sh), each
/// checked alone — against finite differences, and planned against <c>[Differentiable(Plan = false)]</c> bit for bit —
/// so that one failing case does not take a whole table's batch down with it.
/// </summary>
public sealed class RandomProgramFindingsTests
{
    private static readonly int[] M = [2, 3];
    private static readonly int[] Square = [3, 3];

    public static readonly GradientCase[] Cases =
    [
        // Seed 7, P487: A·Bᵀ takes t = uᵀ computed before tanh(u); the product's contribution to ∂L/∂u is then added
        // before tanh's instead of after it — another order of the sum, not bit for bit the unplanned one.
        new("FoundTransposedEarly", "Tensor<double> F(Tensor<double> x, Tensor<double> u) { var t = Ops.Transpose(u); var r = Ops.Tanh(u) * x; return Ops.MatMul(r, t); }", [M, M]),
        // The same class for MatMul + bias: the product p = x·w computed before sigmoid(w), fused into the later p + b.
        new("FoundFusedBiasEarly", "Tensor<double> F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3, 3\")] Tensor<double> w, [Shape(\"3\")] Tensor<double> b) { var p = Ops.MatMul(x, w); var r = Ops.Sigmoid(w); return Ops.MatMul(p + b, r); }", [M, Square, [3]]),
        // And for fused + GELU: s = x + b computed before tanh(x), its GELU after.
        new("FoundBiasGeluEarly", "Tensor<double> F([Shape(\"B, 3\")] Tensor<double> x, [Shape(\"3\")] Tensor<double> b) { var s = x + b; var r = Ops.Tanh(x); return Ops.Gelu(s) * r; }", [M, [3]]),
        // And for split heads: the slice s taken before tanh(z), its reshape and swap (the fused split) after.
        new("FoundSplitHeadsEarly", "Tensor<double> F([Shape(\"2, 3, 6\")] Tensor<double> z) { var s = Ops.Slice(z, 2, 0, 2); var r = Ops.Tanh(z); var q = Ops.TransposeAxes(Ops.Reshape(s, 2, 3, 1, 2), 1, 2); return Ops.Reshape(Ops.TransposeAxes(q, 1, 2), 2, 3, 2) * Ops.Mean(r); }", [[2, 3, 6]]),
        // Seed 9 P619, seed 11 P325 (planned and unplanned alike): after an early return, a branch whose one side
        // reassigns a local nothing reads after it — the generated backward names a gradient dH0 it never declared.
        // The same for a loop: after an early return, a loop whose dead carried value g yields the outer h0 unchanged —
        // ∂L/∂h0 was declared before the loop, inside the branch side, and used after the branch.
        new("FoundLoopYieldsOuterValueToDeadLocal", "double F(Tensor<double> x) { var h0 = Ops.Tanh(x); var h1 = Ops.Sigmoid(h0); if (x.Lengths[0] == 3) return 1.0; var g = h1; for (var i = 0; i < 2; i++) { g = h0; h1 = h1 * 2.0; } return Ops.Sum(h1); }", [M]),
        new("FoundBranchReassignsDeadLocal", "double F(Tensor<double> x) { var h0 = Ops.Tanh(x); var h1 = Ops.Sigmoid(h0); if (x.Lengths[0] == 3) return 1.0; if (x.Lengths[0] == 2) { h0 = h0 + x; } else { h1 = h1 * 2.0; } return Ops.Sum(h1); }", [M]),
    ];

    public static TheoryData<GradientCase> Data() => GradientCase.Data(Cases);

    [Theory]
    [MemberData(nameof(Data))]
    public void Found_program_matches_finite_differences_and_its_unplanned_twin(GradientCase testCase)
    {
        var unplanned = testCase.Source.Replace("public static partial class " + testCase.Name + "\n", "public static partial class " + testCase.Name + "Unplanned\n", StringComparison.Ordinal)
            .Replace("[Differentiable]", "[Differentiable(Plan = false)]", StringComparison.Ordinal);
        Assert.Contains("Unplanned", unplanned);
        var compiled = Harness.Load(GradientCase.Sources([testCase], "").Append(unplanned).ToArray());
        testCase.Check(compiled);
        // Fixed seeds (string hashes change from run to run), several: a sum in another order differs in the last bit on
        // most inputs, not on all.
        for (var seed = 1; seed <= 8; seed++)
        {
            var withPlan = GradientChecker.Outputs(compiled.GetType(testCase.Name)!, "F", testCase.Shapes, testCase.Positive, seed);
            var without = GradientChecker.Outputs(compiled.GetType(testCase.Name + "Unplanned")!, "F", testCase.Shapes, testCase.Positive, seed);
            Assert.Equal(without.Length, withPlan.Length);
            for (var k = 0; k < withPlan.Length; k++)
            {
                Assert.True(without[k].SequenceEqual(withPlan[k]), $"{testCase.Name} (inputs of seed {seed}): output {k} (the value, the tuple's gradients, then the accumulated buffers) differs between the planned and the unplanned backward");
            }
        }
    }
}
