using System;
using GradGen.Tests.Infrastructure;
using System.Linq;
using System.Numerics.Tensors;

namespace GradGen.Tests.Runtime;

/// <summary>GradGen.Parameters over weight objects: zero gradients shaped like a model, clearing, leaves, and refusals.</summary>
public class ParametersTests
{
    public sealed record Layer(Tensor<float> W, Tensor<float> B);

    public sealed class Model
    {
        public Model(Layer[] layers, Tensor<float> head, int heads) { Layers = layers; Head = head; Heads = heads; }
        public Layer[] Layers { get; }
        public Tensor<float> Head { get; }
        public int Heads { get; }
    }

    private static Tensor<float> Filled(float value, params nint[] shape) =>
        Tensor.Create(Enumerable.Repeat(value, (int)shape.Aggregate((a, b) => a * b)).ToArray(), shape);

    private static Model Sample() => new(new[] { new Layer(Filled(1, 2, 3), Filled(2, 3)), new Layer(Filled(3, 3, 3), Filled(4, 3)) }, Filled(5, 3, 4), 7);

    [Fact]
    public void ZerosLike_mirrors_the_model_with_zero_tensors_of_the_same_shapes()
    {
        var model = Sample();
        var zeros = Parameters.ZerosLike(model);
        Assert.Equal(7, zeros.Heads);
        Assert.NotSame(model.Layers, zeros.Layers);
        var leaves = Parameters.Leaves(model);
        var zeroLeaves = Parameters.Leaves(zeros);
        Assert.Equal(new[] { "Layers[0].W", "Layers[0].B", "Layers[1].W", "Layers[1].B", "Head" }, leaves.Select(l => l.Path));
        Assert.Equal(leaves.Select(l => l.Path), zeroLeaves.Select(l => l.Path));
        for (var i = 0; i < leaves.Count; i++)
        {
            var original = (Tensor<float>)leaves[i].Tensor;
            var zero = (Tensor<float>)zeroLeaves[i].Tensor;
            Assert.Equal(original.Lengths.ToArray(), zero.Lengths.ToArray());
            Assert.All(zero.ToArray(), v => Assert.Equal(0f, v));
            Assert.NotSame(original, zero);
        }
    }

    [Fact]
    public void Clear_zeroes_every_tensor_and_Tensors_lists_them_in_order()
    {
        var model = Sample();
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f }, Parameters.Tensors(model).Select(t => t.ToArray()[0]));
        Parameters.Clear(model);
        Assert.All(Parameters.Tensors(model), t => Assert.All(t.ToArray(), v => Assert.Equal(0f, v)));
    }

    public sealed class Listed
    {
        public Listed(System.Collections.Generic.IReadOnlyList<Layer> layers, System.Collections.Generic.List<Tensor<float>> gates) { Layers = layers; Gates = gates; }
        public System.Collections.Generic.IReadOnlyList<Layer> Layers { get; }
        public System.Collections.Generic.List<Tensor<float>> Gates { get; }
    }

    [Fact]
    public void Lists_of_layers_and_tensors_are_walked_like_arrays()
    {
        var model = new Listed(new System.Collections.Generic.List<Layer> { new(Filled(1, 2, 3), Filled(2, 3)), new(Filled(3, 3, 3), Filled(4, 3)) },
            new System.Collections.Generic.List<Tensor<float>> { Filled(5, 3), Filled(6, 3) });
        Assert.Equal(new[] { "Layers[0].W", "Layers[0].B", "Layers[1].W", "Layers[1].B", "Gates[0]", "Gates[1]" }, Parameters.Leaves(model).Select(l => l.Path));
        var zeros = Parameters.ZerosLike(model);
        Assert.IsType<System.Collections.Generic.List<Layer>>(zeros.Layers);
        Assert.NotSame(model.Gates, zeros.Gates);
        Assert.Equal(new[] { 3, 3 }, zeros.Layers[1].W.Lengths.ToArray().Select(l => (int)l));
        Assert.All(Parameters.Tensors(zeros), t => Assert.All(t.ToArray(), v => Assert.Equal(0f, v)));
        Assert.Equal(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, Parameters.Tensors(model).Select(t => t.ToArray()[0]));
        Parameters.Clear(model);
        Assert.All(Parameters.Tensors(model), t => Assert.All(t.ToArray(), v => Assert.Equal(0f, v)));
        // A list type Parameters cannot rebuild is refused with its path, not copied into something else.
        var readOnly = new Listed(new System.Collections.ObjectModel.ReadOnlyCollection<Layer>(new[] { new Layer(Filled(1, 2), Filled(1, 2)) }), new System.Collections.Generic.List<Tensor<float>>());
        var error = Assert.Throws<ArgumentException>(() => Parameters.ZerosLike(readOnly));
        Assert.Contains("'model.Layers' is a ReadOnlyCollection`1", error.Message, StringComparison.Ordinal);
    }

    public sealed class Deep
    {
        public Deep(Model model, Gated gated) { Model = model; Gated = gated; }
        public Model Model { get; }
        public Gated Gated { get; }
    }

    [Fact]
    public void Clear_reaches_nested_objects_arrays_and_scalars_and_then_allocates_nothing()
    {
        var deep = new Deep(Sample(), new Gated(Filled(1, 2), 0.5f, 3, 1e-5));
        Parameters.Clear(deep);
        Assert.All(Parameters.Leaves(deep), leaf =>
        {
            if (leaf.Tensor is ScalarLeaf scalar) Assert.Equal(0d, scalar.Value);
            else Assert.All(((Tensor<float>)leaf.Tensor).ToArray(), v => Assert.Equal(0f, v));
        });
        Assert.Equal(1e-5, deep.Gated.Eps);

        Assert.Equal(0, Allocations.Of(() => Parameters.Clear(deep)));
    }

    [Fact]
    public void Clear_refuses_a_null_member_with_its_path()
    {
        var missing = new Model(new[] { new Layer(Filled(0, 2, 2), null!) }, Filled(0, 2, 2), 1);
        Assert.Contains("Layers[0].B", Assert.Throws<ArgumentException>(() => Parameters.Clear(missing)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shared_or_null_tensor_is_refused_with_its_path()
    {
        var shared = Filled(1, 2, 2);
        var tied = new Model(new[] { new Layer(shared, Filled(0, 2)), new Layer(shared, Filled(0, 2)) }, Filled(0, 2, 2), 1);
        var error = Assert.Throws<ArgumentException>(() => Parameters.ZerosLike(tied));
        Assert.Contains("Layers[1].W", error.Message, StringComparison.Ordinal);
        var missing = new Model(new[] { new Layer(Filled(0, 2, 2), null!) }, Filled(0, 2, 2), 1);
        Assert.Contains("Layers[0].B", Assert.Throws<ArgumentException>(() => Parameters.Leaves(missing)).Message, StringComparison.Ordinal);
    }

    public sealed class Gated
    {
        public Gated(Tensor<float> w, float gate, double scale, double eps) { W = w; Gate = gate; Scale = scale; Eps = eps; }
        public Tensor<float> W { get; }
        public float Gate { get; set; }
        public double Scale;
        public readonly double Eps;
    }

    [Fact]
    public void Writable_scalar_members_are_leaves_zeroed_cleared_and_assigned_through_their_handle()
    {
        var model = new Gated(Filled(1, 2), 0.5f, 3, 1e-5);
        var leaves = Parameters.Leaves(model);
        Assert.Equal(new[] { "W", "Gate", "Scale" }, leaves.Select(l => l.Path)); // Eps is readonly: a constant, not a leaf
        var gate = Assert.IsType<ScalarLeaf>(leaves[1].Tensor);
        Assert.Equal(typeof(float), gate.Type);
        Assert.Equal(0.5, gate.Value);
        gate.Value = 0.25;
        Assert.Equal(0.25f, model.Gate);
        ((ScalarLeaf)leaves[2].Tensor).Value = 4;
        Assert.Equal(4d, model.Scale);

        var zeros = Parameters.ZerosLike(model);
        Assert.Equal((0f, 0d, 1e-5), (zeros.Gate, zeros.Scale, zeros.Eps));
        Parameters.Clear(model);
        Assert.Equal((0f, 0d, 1e-5), (model.Gate, model.Scale, model.Eps));
        Assert.All(model.W.ToArray(), v => Assert.Equal(0f, v));
    }

    public sealed class WithConstants
    {
        public WithConstants(Tensor<float> w, Tensor<float> mask) { W = w; Mask = mask; }
        public Tensor<float> W { get; }
        [NoGradient] public Tensor<float> Mask { get; }
        [NoGradient] public double LastLoss;
    }

    [Fact]
    public void NoGradient_members_are_constants_copied_as_they_are_and_not_leaves()
    {
        var model = new WithConstants(Filled(1, 2), Filled(3, 2)) { LastLoss = 0.5 };
        Assert.Equal(new[] { "W" }, Parameters.Leaves(model).Select(l => l.Path));
        Assert.Single(Parameters.Tensors(model)); // a [NoGradient] double is no scalar leaf: nothing to refuse
        var zeros = Parameters.ZerosLike(model);
        Assert.Same(model.Mask, zeros.Mask);
        Assert.Equal(0.5, zeros.LastLoss);
        Parameters.Clear(model);
        Assert.Equal(3f, model.Mask.ToArray()[0]);
        Assert.Equal(0.5, model.LastLoss);
    }

    [Fact]
    public void Tensors_refuses_a_model_with_a_scalar_leaf_an_optimizer_would_never_update()
    {
        var error = Assert.Throws<ArgumentException>(() => Parameters.Tensors(new Gated(Filled(1, 2), 0.5f, 3, 1e-5)));
        Assert.Contains("Parameters.Tensors: 'Gate' is a learned scalar", error.Message);
        Assert.Contains("Parameters.DoubleTensors: 'Gate'", Assert.Throws<ArgumentException>(() => Parameters.DoubleTensors(new Gated(Filled(1, 2), 0.5f, 3, 1e-5))).Message);
    }
}
