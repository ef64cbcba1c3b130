using System;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>Shape errors name the op (or kernel) and the shapes; null arguments throw ArgumentNullException.</summary>
public class ErrorTests
{
    private static Tensor<double> Zeros(params int[] shape) => Filled(shape, 0);

    [Fact]
    public void MatMul_inner_dimension_mismatch()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(Zeros(2, 3), Zeros(4, 5)));
        Assert.Contains("MatMul: cannot multiply [2, 3] by [4, 5]: inner dimensions 3 and 4 differ.", error.Message);
    }

    [Fact]
    public void MatMul_requires_rank_two_or_more()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(Zeros(4), Zeros(4, 5)));
        Assert.Contains("MatMul: cannot multiply [4] by [4, 5]: both operands must have rank 2 or more.", error.Message);
    }

    [Fact]
    public void MatMul_batch_dimensions_must_broadcast()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(Zeros(2, 3, 4), Zeros(3, 4, 5)));
        Assert.Contains("MatMul: cannot multiply [2, 3, 4] by [3, 4, 5]: batch dimensions [2] and [3] do not broadcast.", error.Message);
    }

    [Fact]
    public void MatMul_into_must_have_the_result_shape()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.MatMul(Zeros(2, 3, 4), Zeros(4, 5), Zeros(2, 5)));
        Assert.Contains("MatMul: into [2, 5] must have the shape of [2, 3, 4] · [4, 5], [2, 3, 5].", error.Message);
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Subtract")]
    [InlineData("Multiply")]
    [InlineData("Divide")]
    public void Binary_ops_reject_shapes_that_do_not_broadcast(string op)
    {
        Func<Tensor<double>, Tensor<double>, Tensor<double>> f = op switch
        {
            "Add" => Ops.Add,
            "Subtract" => Ops.Subtract,
            "Multiply" => Ops.Multiply,
            _ => Ops.Divide,
        };
        var error = Assert.Throws<ArgumentException>(() => f(Zeros(2, 3), Zeros(4)));
        Assert.Contains($"{op}: shapes [2, 3] and [4] do not broadcast.", error.Message);
    }

    [Fact]
    public void SoftmaxCrossEntropy_targets_length()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.SoftmaxCrossEntropy(Zeros(2, 5), new[] { 0, 1, 2 }));
        Assert.Contains("SoftmaxCrossEntropy: targets has length 3 but logits [2, 5] has 2 rows.", error.Message);
        var backward = Assert.Throws<ArgumentException>(() => Adjoint.SoftmaxCrossEntropy(1.0, Zeros(2, 5), new[] { 0, 1, 2 }, Zeros(2, 5)));
        Assert.Contains("Adjoint.SoftmaxCrossEntropy: targets has length 3 but logits [2, 5] has 2 rows.", backward.Message);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(5)]
    [InlineData(-1)]
    public void SoftmaxCrossEntropy_target_out_of_range(int target)
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.SoftmaxCrossEntropy(Zeros(2, 5), new[] { 0, target }));
        Assert.Contains($"SoftmaxCrossEntropy: target {target} at row 1 is out of range [0, 5).", error.Message);
        var backward = Assert.Throws<ArgumentException>(() => Adjoint.SoftmaxCrossEntropy(1.0, Zeros(2, 5), new[] { 0, target }, Zeros(2, 5)));
        Assert.Contains($"Adjoint.SoftmaxCrossEntropy: target {target} at row 1 is out of range [0, 5).", backward.Message);
    }

    [Fact]
    public void SoftmaxCrossEntropy_requires_logits_of_rank_two_or_more()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.SoftmaxCrossEntropy(Zeros(5), new[] { 0 }));
        Assert.Contains("SoftmaxCrossEntropy: logits must be [N, C] or [..., C] (rank ≥ 2), got [5].", error.Message);
        // [2, 5, 1] has 10 rows of one class: two targets do not cover them.
        error = Assert.Throws<ArgumentException>(() => Ops.SoftmaxCrossEntropy(Zeros(2, 5, 1), new[] { 0, 1 }));
        Assert.Contains("SoftmaxCrossEntropy: targets has length 2 but logits [2, 5, 1] has 10 rows.", error.Message);
    }

    [Fact]
    public void Transpose_requires_a_matrix()
    {
        var error = Assert.Throws<ArgumentException>(() => Ops.Transpose(Zeros(3)));
        Assert.Contains("Transpose", error.Message);
        Assert.Contains("[3]", error.Message);
    }

    public static TheoryData<string, Action> AdjointShapeErrors => new()
    {
        { "Adjoint.Identity", () => Adjoint.Identity(Zeros(2, 3), Zeros(4)) },
        { "Adjoint.Identity", () => Adjoint.Identity(Zeros(3), Zeros(2, 3)) },
        { "Adjoint.Scaled", () => Adjoint.Scaled(Zeros(2, 3), 2.0, Zeros(2, 2)) },
        { "Adjoint.Multiply", () => Adjoint.Multiply(Zeros(2, 3), Zeros(4), Zeros(2, 3)) },
        { "Adjoint.Multiply", () => Adjoint.Multiply(Zeros(2, 3), Zeros(3), Zeros(4)) },
        { "Adjoint.DivideNumerator", () => Adjoint.DivideNumerator(Zeros(2, 3), Zeros(4), Zeros(2, 3)) },
        { "Adjoint.DivideDenominator", () => Adjoint.DivideDenominator(Zeros(2, 3), Zeros(3, 2), Zeros(3), Zeros(3)) },
        { "Adjoint.Dot", () => Adjoint.Dot(Zeros(2, 3), Zeros(4)) },
        { "Adjoint.SumDivide", () => Adjoint.SumDivide(Zeros(2, 3), Zeros(2, 2)) },
        { "Adjoint.MatMulLeft", () => Adjoint.MatMulLeft(Zeros(2, 4), Zeros(3, 5), Zeros(2, 3)) },
        { "Adjoint.MatMulRight", () => Adjoint.MatMulRight(Zeros(2, 3), Zeros(2, 4), Zeros(4, 4)) },
        { "Adjoint.Transpose", () => Adjoint.Transpose(Zeros(2, 3), Zeros(2, 3)) },
        { "Adjoint.Relu", () => Adjoint.Relu(Zeros(2, 3), Zeros(3, 2), Zeros(2, 3)) },
        { "Adjoint.Sigmoid", () => Adjoint.Sigmoid(Zeros(2, 3), Zeros(2, 3), Zeros(6)) },
        { "Adjoint.Tanh", () => Adjoint.Tanh(Zeros(2, 3), Zeros(3), Zeros(2, 3)) },
        { "Adjoint.Exp", () => Adjoint.Exp(Zeros(2, 3), Zeros(2, 3), Zeros(3, 2)) },
        { "Adjoint.Log", () => Adjoint.Log(Zeros(2, 3), Zeros(2, 4), Zeros(2, 3)) },
        { "Adjoint.Sqrt", () => Adjoint.Sqrt(Zeros(2, 3), Zeros(2, 3), Zeros(2, 4)) },
        { "Adjoint.Square", () => Adjoint.Square(Zeros(2, 3), Zeros(1, 3), Zeros(2, 3)) },
        { "Adjoint.Softmax", () => Adjoint.Softmax(Zeros(2, 3), Zeros(2, 3), Zeros(3)) },
        { "Adjoint.SoftmaxCrossEntropy", () => Adjoint.SoftmaxCrossEntropy(1.0, Zeros(2, 5), new[] { 0, 1 }, Zeros(2, 4)) },
    };

    [Theory]
    [MemberData(nameof(AdjointShapeErrors))]
    public void Adjoint_kernels_name_themselves_and_the_shapes(string kernel, Action call)
    {
        var error = Assert.Throws<ArgumentException>(call);
        Assert.StartsWith(kernel + ":", error.Message);
        Assert.Matches(@"\[\d+(, \d+)*\].*\[\d+(, \d+)*\]", error.Message);
    }

    [Fact]
    public void Adjoint_shape_error_message_is_precise()
    {
        var error = Assert.Throws<ArgumentException>(() => Adjoint.Identity(Zeros(2, 3), Zeros(4)));
        Assert.Contains("Adjoint.Identity: into [4] does not broadcast to dY [2, 3].", error.Message);
    }

    [Fact]
    public void Adjoint_rejects_a_strided_gradient_buffer()
    {
        var view = Tensor.Transpose(Zeros(3, 2));
        var error = Assert.Throws<ArgumentException>(() => Adjoint.Identity(Zeros(2, 3), view));
        Assert.Contains("Adjoint.Identity", error.Message);
        Assert.Contains("dense", error.Message);
    }

    [Fact]
    public void Null_arguments_throw_ArgumentNullException()
    {
        var x = Zeros(2, 2);
        Tensor<double> none = null!;
        Assert.Throws<ArgumentNullException>(() => Ops.Add(x, none));
        Assert.Throws<ArgumentNullException>(() => Ops.Add(none, 1.0));
        Assert.Throws<ArgumentNullException>(() => Ops.Divide(1.0, none));
        Assert.Throws<ArgumentNullException>(() => Ops.MatMul(none, x));
        Assert.Throws<ArgumentNullException>(() => Ops.Relu(none));
        Assert.Throws<ArgumentNullException>(() => Ops.Sum(none));
        Assert.Throws<ArgumentNullException>(() => Ops.Softmax(none));
        Assert.Throws<ArgumentNullException>(() => Ops.SoftmaxCrossEntropy(x, null!));
        Assert.Throws<ArgumentNullException>(() => Ops.ZerosLike(none));
        Assert.Throws<ArgumentNullException>(() => Adjoint.Identity(x, none));
        Assert.Throws<ArgumentNullException>(() => Adjoint.Multiply(x, none, x));
        Assert.Throws<ArgumentNullException>(() => Adjoint.MatMulLeft(x, none, x));
        Assert.Throws<ArgumentNullException>(() => Adjoint.Relu(none, x, x));
        Assert.Throws<ArgumentNullException>(() => Adjoint.Fill(1.0, none));
        Assert.Throws<ArgumentNullException>(() => GradCheck.Check(null!, x, x));
    }
}
