using System.Numerics.Tensors;

namespace GradGen.Tests.Runtime;

public class AdjointReduceTests
{
    [Fact]
    public void Same_shape_hands_the_buffer_on_without_copying()
    {
        var dY = Tensor.Create(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var like = Tensor.Create(new double[6], [2, 3]);
        Assert.Same(dY, Adjoint.Reduce(dY, like));
    }

    [Fact]
    public void Broadcast_operand_gets_a_new_buffer_summed_over_the_broadcast_axes()
    {
        var dY = Tensor.Create(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var bias = Tensor.Create(new double[3], [3]);
        var reduced = Adjoint.Reduce(dY, bias);
        Assert.NotSame(dY, reduced);
        Assert.Equal(new nint[] { 3 }, reduced.Lengths.ToArray());
        Assert.Equal(new double[] { 5, 7, 9 }, new[] { reduced[0], reduced[1], reduced[2] });
        Assert.Equal(1, dY[0, 0]); // the upstream gradient is left as it was
    }

    [Fact]
    public void Strided_upstream_is_copied_into_a_dense_buffer()
    {
        var dY = Tensor.Transpose(Tensor.Create(new double[] { 1, 2, 3, 4, 5, 6 }, [2, 3]));
        var like = Tensor.Create(new double[6], [3, 2]);
        var result = Adjoint.Reduce(dY, like);
        Assert.True(result.IsDense);
        Assert.Equal(4, result[0, 1]);
        Assert.Equal(3, result[2, 0]);
    }
}
