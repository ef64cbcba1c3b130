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
}
