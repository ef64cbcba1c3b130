using System;
using System.Linq;
using System.Numerics.Tensors;

namespace GradGen.Tests.Runtime;

/// <summary>
/// Ops.Operator…: what the generated forward calls for a user's `+ - * /` between tensors. It must equal the user's own
/// operator (System.Numerics.Tensors) wherever that operator is right, and refuse, with a clear message, the shapes it
/// silently gets wrong.
/// </summary>
public class OperatorTests
{
    private static Tensor<double> T(params nint[] shape) =>
        Tensor.Create(Enumerable.Range(1, (int)shape.Aggregate((a, b) => a * b)).Select(i => (double)i).ToArray(), shape);

    public static TheoryData<nint[], nint[]> AgreeingShapes => new()
    {
        { [2, 3], [2, 3] }, { [2, 3], [3] }, { [3], [2, 3] }, { [2, 1], [2, 3] }, { [1, 3], [2, 3] }, { [2, 3], [1] },
        { [2, 2, 3], [1, 3] }, { [2, 2, 3], [2, 1] }, { [2, 2, 3], [3] },
    };

    [Theory]
    [MemberData(nameof(AgreeingShapes))]
    public void Equals_the_user_operator_where_it_is_right(nint[] left, nint[] right)
    {
        var (a, b) = (T(left), T(right));
        Assert.Equal((a + b).ToArray(), Ops.OperatorAdd(a, b).ToArray());
        Assert.Equal((a - b).ToArray(), Ops.OperatorSubtract(a, b).ToArray());
        Assert.Equal((a * b).ToArray(), Ops.OperatorMultiply(a, b).ToArray());
        Assert.Equal((a / b).ToArray(), Ops.OperatorDivide(a, b).ToArray());
        Assert.Equal((a + b).Lengths.ToArray(), Ops.OperatorAdd(a, b).Lengths.ToArray());
    }

    public static TheoryData<nint[], nint[]> WrongShapes => new() { { [2, 3], [2, 1] }, { [2, 3], [1, 3] }, { [2, 1], [1, 3] }, { [2, 2, 3], [2, 1, 3] }, { [2, 3], [1, 1] } };

    [Theory]
    [MemberData(nameof(WrongShapes))]
    public void Refuses_the_shapes_the_user_operator_silently_gets_wrong(nint[] left, nint[] right)
    {
        var (a, b) = (T(left), T(right));
        Assert.NotEqual(Ops.Add(a, b).Lengths.ToArray(), (a + b).Lengths.ToArray()); // the operator really is wrong here
        var error = Assert.Throws<ArgumentException>(() => Ops.OperatorAdd(a, b));
        Assert.Contains("Ops.Add(a, b)", error.Message, StringComparison.Ordinal);
        Assert.Contains("[" + string.Join(", ", left) + "] + [" + string.Join(", ", right) + "]", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => Ops.OperatorMultiply(a, b));
    }

    /// <summary>Every shape of rank 1–4 with lengths 1–3 (120 shapes).</summary>
    private static nint[][] AllShapes() => Enumerable.Range(1, 4)
        .SelectMany(rank => Enumerable.Range(0, (int)Math.Pow(3, rank)).Select(code =>
            Enumerable.Range(0, rank).Select(d => (nint)(code / (int)Math.Pow(3, d) % 3 + 1)).ToArray()))
        .ToArray();

    /// <summary>
    /// On every pair of shapes up to rank 4 (14,400 pairs, four operators): Ops.Operator… returns exactly what the user's
    /// operator returns (shape and values), or throws an ArgumentException — and it throws only where the user's operator
    /// is wrong (its shape is not the numpy broadcast) or both refuse.
    /// </summary>
    [Fact]
    public void Equals_the_user_operator_or_refuses_on_every_pair_of_shapes_up_to_rank_4()
    {
        var shapes = AllShapes();
        Assert.Equal(120, shapes.Length);
        var operators = new (string Name, Func<Tensor<double>, Tensor<double>, Tensor<double>> User, Func<Tensor<double>, Tensor<double>, Tensor<double>> Ours)[]
        {
            ("+", (a, b) => a + b, Ops.OperatorAdd), ("-", (a, b) => a - b, Ops.OperatorSubtract),
            ("*", (a, b) => a * b, Ops.OperatorMultiply), ("/", (a, b) => a / b, Ops.OperatorDivide),
        };
        int agreed = 0, refusedWrong = 0, bothThrow = 0;
        foreach (var left in shapes)
        {
            foreach (var right in shapes)
            {
                var (a, b) = (T(left), T(right));
                nint[]? broadcast;
                try { broadcast = Ops.Add(a, b).Lengths.ToArray(); } catch (ArgumentException) { broadcast = null; }
                foreach (var (name, user, ours) in operators)
                {
                    var what = "[" + string.Join(", ", left) + "] " + name + " [" + string.Join(", ", right) + "]";
                    Tensor<double>? expected;
                    try { expected = user(a, b); } catch (Exception) { expected = null; }
                    Tensor<double>? actual;
                    try { actual = ours(a, b); } catch (ArgumentException) { actual = null; }
                    if (actual is not null)
                    {
                        Assert.True(expected is not null, what + ": GradGen returns where the user's operator throws");
                        Assert.True(expected!.Lengths.SequenceEqual(actual.Lengths), what + ": shapes differ");
                        Assert.True(expected.ToArray().SequenceEqual(actual.ToArray()), what + ": values differ");
                        agreed++;
                    }
                    else if (expected is null)
                    {
                        bothThrow++;
                    }
                    else
                    {
                        // Refused: only where the user's operator does not compute the broadcast.
                        Assert.True(broadcast is null || !expected.Lengths.SequenceEqual(broadcast), what + ": refused, but the user's operator is right");
                        refusedWrong++;
                    }
                }
            }
        }
        Assert.True(agreed > 0 && refusedWrong > 0 && bothThrow > 0, $"agreed {agreed}, refused {refusedWrong}, both threw {bothThrow}");
    }

    public static TheoryData<nint[], nint[]> DifferentRankTraps => new() { { [3, 1], [3] }, { [2, 1, 4], [2, 4] }, { [3], [3, 1] }, { [1, 1, 1, 1], [2] } };

    /// <summary>The regression loss `Sum(Square(pred - y))` with pred [N, 1] and y [N] (issue 13, repro 212), and its kin.</summary>
    [Theory]
    [MemberData(nameof(DifferentRankTraps))]
    public void Refuses_operands_of_different_ranks_that_the_user_operator_shapes_wrongly(nint[] left, nint[] right)
    {
        var (a, b) = (T(left), T(right));
        Assert.NotEqual(Ops.Subtract(a, b).Lengths.ToArray(), (a - b).Lengths.ToArray());
        var error = Assert.Throws<ArgumentException>(() => Ops.OperatorSubtract(a, b));
        Assert.Contains("Ops.Subtract(a, b)", error.Message, StringComparison.Ordinal);
        Assert.Contains("as a [" + string.Join(", ", (a - b).Lengths.ToArray()) + "] tensor", error.Message, StringComparison.Ordinal);
    }
}
