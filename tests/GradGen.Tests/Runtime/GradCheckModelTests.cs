using System.Linq;
using System.Numerics.Tensors;
using static GradGen.Tests.Runtime.TestTensors;

namespace GradGen.Tests.Runtime;

/// <summary><see cref="GradCheck.Check{TModel}"/>: a whole weight object (tensors and learned scalars) in one call.</summary>
public class GradCheckModelTests
{
    public sealed class Inner
    {
        public Inner(Tensor<double> w) => W = w;
        public Tensor<double> W { get; }
    }

    public sealed class Model
    {
        public Model(Tensor<double> w, Inner[] layers) { W = w; Layers = layers; }
        public Tensor<double> W { get; }
        public Inner[] Layers { get; }
        public double Scale { get; set; }
    }

    private static Model Point() => new(FromArray(new double[] { 0.5, -1.0, 2.0, 1.5 }, 2, 2), [new Inner(FromArray(new double[] { 0.25, -0.75 }, 2))]) { Scale = 1.5 };

    /// <summary>f = Scale · (Σ W² + Σ tanh(L₀)).</summary>
    private static double Loss(Model m) => m.Scale * (Ops.Sum(Ops.Square(m.W)) + Ops.Sum(Ops.Tanh(m.Layers[0].W)));

    /// <summary>∂f/∂W = 2·Scale·W, ∂f/∂L₀ = Scale·(1 − tanh²(L₀)), ∂f/∂Scale = Σ W² + Σ tanh(L₀); <paramref name="error"/> is added to ∂f/∂Scale.</summary>
    private static Model Gradient(Model m, double error = 0) =>
        new(Ops.Multiply(m.W, 2 * m.Scale), [new Inner(FromArray(new[] { 0.25, -0.75 }.Select(v => m.Scale * (1 - System.Math.Tanh(v) * System.Math.Tanh(v))).ToArray(), 2))])
        { Scale = Ops.Sum(Ops.Square(m.W)) + Ops.Sum(Ops.Tanh(m.Layers[0].W)) + error };

    [Fact]
    public void Checks_every_leaf_of_a_weight_object_by_path()
    {
        var model = Point();
        var results = GradCheck.Check(Loss, model, Gradient(model));
        Assert.Equal(["W", "Layers[0].W", "Scale"], results.Select(r => r.Path));
        Assert.All(results, r => Assert.True(r.Result.Passed, r.Path + ": " + r.Result));
        Assert.Equal(1.5, model.Scale); // restored
        Assert.Equal(-1.0, model.W[0, 1]);
    }

    [Fact]
    public void A_wrong_scalar_gradient_fails_its_leaf_only()
    {
        var model = Point();
        var results = GradCheck.Check(Loss, model, Gradient(model, error: 0.01));
        Assert.False(results.Single(r => r.Path == "Scale").Result.Passed);
        Assert.All(results.Where(r => r.Path != "Scale"), r => Assert.True(r.Result.Passed, r.Path + ": " + r.Result));
    }
}
