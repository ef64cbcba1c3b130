using System;
using System.Linq;
using System.Numerics.Tensors;
using Xunit.Abstractions;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary>Embedding lookup: rows gathered by id; the gradient scatter-adds, so repeated ids accumulate.</summary>
public class EmbeddingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(new[] { 3, 1, 4, 1, 5, 9 }, new int[0])]          // repeated id 1
    [InlineData(new[] { 0, 2, 2, 2, 7, 0 }, new[] { 2, 3 })]      // [B, T] with repeats
    [InlineData(new[] { 5, 6, 5, 6, 5, 6, 1, 1 }, new[] { 2, 2, 2 })]
    public void Embedding_gathers_rows_and_scatter_adds_their_gradient(int[] ids, int[] idsShape)
    {
        var rng = new Random(50);
        var table = Random(rng, new[] { 10, 4 });
        var y = Ops.Embedding(table, ids, idsShape);
        int[] expectedShape = (idsShape.Length == 0 ? new[] { ids.Length } : idsShape).Append(4).ToArray();
        Assert.Equal(expectedShape, Shape(y));
        double[] flat = Flat(y), rows = Flat(table);
        for (int i = 0; i < ids.Length; i++) Assert.Equal(rows.Skip(ids[i] * 4).Take(4), flat.Skip(i * 4).Take(4));
        var dY = Random(rng, expectedShape);
        double error = Vjp.Check(t => Ops.Embedding(t, ids, idsShape), table, dY, into => Adjoint.Embedding(dY, ids, into));
        output.WriteLine($"Embedding [10, 4] by {ids.Length} ids as [{string.Join(", ", idsShape)}]: max error {error:E2}");
    }

    [Fact]
    public void A_repeated_id_receives_the_sum_of_its_rows()
    {
        var into = Filled(new[] { 3, 2 }, 0);
        Adjoint.Embedding(FromArray(new[] { 1.0, 2, 10, 20, 100, 200 }, 3, 2), new[] { 2, 0, 2 }, into);
        Assert.Equal(new[] { 10.0, 20, 0, 0, 101, 202 }, Flat(into));
    }

    [Fact]
    public void Embedding_in_float()
    {
        var table = Tensor.Create(Enumerable.Range(0, 12).Select(i => (float)i).ToArray(), new nint[] { 4, 3 });
        Assert.Equal(new float[] { 9, 10, 11, 0, 1, 2 }, Flat(Ops.Embedding(table, new[] { 3, 0 }, 1, 2)));
    }

    [Fact]
    public void Embedding_shape_errors_name_the_op_and_the_shapes()
    {
        var table = Filled(new[] { 5, 3 }, 0);
        var error = Assert.Throws<ArgumentException>(() => Ops.Embedding(table, new[] { 0, 5 }));
        Assert.Contains("Embedding: id 5 at position 1 is out of range [0, 5) for table [5, 3].", error.Message);
        Assert.Throws<ArgumentException>(() => Ops.Embedding(table, new[] { -1 }));
        error = Assert.Throws<ArgumentException>(() => Ops.Embedding(table, new[] { 0, 1, 2 }, 2, 2));
        Assert.Contains("Embedding: ids shape [2, 2] does not describe the 3 ids given.", error.Message);
        error = Assert.Throws<ArgumentException>(() => Ops.Embedding(Filled(new[] { 5 }, 0), new[] { 0 }));
        Assert.Contains("Embedding: table must be 2-D [V, C], got [5].", error.Message);
        error = Assert.Throws<ArgumentException>(() => Adjoint.Embedding(Filled(new[] { 2, 4 }, 0), new[] { 0, 1 }, table));
        Assert.Contains("Adjoint.Embedding: dY [2, 4] must be [..., 3]", error.Message);
        error = Assert.Throws<ArgumentException>(() => Adjoint.Embedding(Filled(new[] { 1, 3 }, 0), new[] { 7 }, table));
        Assert.Contains("Adjoint.Embedding: id 7", error.Message);
    }
}
