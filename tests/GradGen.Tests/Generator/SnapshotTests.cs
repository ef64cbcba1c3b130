using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using GradGen.Tests.Infrastructure;

namespace GradGen.Tests.Generator;

/// <summary>
/// The generated source of the samples, committed as <c>Snapshots/*.verified.cs</c>: the snapshots document what GradGen
/// emits, and any change to it shows up in review. Accept an intended change with <c>GRADGEN_ACCEPT=1 dotnet test</c>.
/// </summary>
public class SnapshotTests
{
    private static string RepositoryRoot([CallerFilePath] string path = "") => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(path)!, "..", "..", ".."));

    private static string Sample(string project, string file) => File.ReadAllText(Path.Combine(RepositoryRoot(), "samples", project, file));

    [Theory]
    [InlineData("Relu")]
    [InlineData("Residual")]
    [InlineData("Square")]
    [InlineData("Linear")]
    [InlineData("CrossEntropy")]
    public void Seed_example(string method)
    {
        var result = Harness.Run(Sample("GradGen.Samples.Seed", "Examples.cs"));
        Snapshot.Verify(result.Source("GradGen.Samples.Seed.Examples." + method + ".g.cs"), "Seed." + method);
    }

    [Fact]
    public void Mlp_loss()
    {
        var result = Harness.Run(Sample("GradGen.Samples.Mlp", "Mlp.cs"));
        Snapshot.Verify(result.Source("GradGen.Samples.Mlp.Mlp.Loss.g.cs"), "Mlp.Loss");
    }

    /// <summary>The same method with <c>[Differentiable(Plan = false)]</c>: the rules as they are stated, before planning (the tutorial's chain rule).</summary>
    [Fact]
    public void Mlp_loss_unplanned()
    {
        var source = Sample("GradGen.Samples.Mlp", "Mlp.cs");
        var unplanned = source.Replace("[Differentiable]", "[Differentiable(Plan = false)]", StringComparison.Ordinal);
        Assert.NotEqual(source, unplanned);
        var result = Harness.Run(unplanned);
        Snapshot.Verify(result.Source("GradGen.Samples.Mlp.Mlp.Loss.g.cs"), "Mlp.Loss.Unplanned");
    }

    [Fact]
    public void Mlp_model_class_loss()
    {
        var result = Harness.Run(Sample("GradGen.Samples.Mlp", "MlpModel.cs"));
        Snapshot.Verify(result.Source("GradGen.Samples.Mlp.MlpModel.Loss.g.cs"), "Mlp.MlpModel.Loss");
    }

    [Fact]
    public void CharRnn_loss()
    {
        var result = Harness.Run(Sample("GradGen.Samples.CharRnn", "CharRnn.cs"));
        Snapshot.Verify(result.Source("GradGen.Samples.CharRnn.Rnn.Loss.g.cs"), "CharRnn.Rnn.Loss");
        Snapshot.Verify(result.Source("GradGen.Samples.CharRnn.Rnn.Step.g.cs"), "CharRnn.Rnn.Step");
    }

    private const string CrossMethodSource = """
        namespace Models;

        public static partial class Layers
        {
            /// <summary>One dense layer with a tanh activation.</summary>
            [Differentiable]
            public static Tensor<float> Dense(Tensor<float> x, Tensor<float> w, Tensor<float> b) => Ops.Tanh(Ops.MatMul(x, w) + b);
        }

        public partial class Model
        {
            [Differentiable]
            public static float Loss(Tensor<float> x, Tensor<float> w1, Tensor<float> b1, Tensor<float> w2, Tensor<float> b2, int[] targets)
            {
                var h = Layers.Dense(x, w1, b1);
                var logits = Layers.Dense(h, w2, b2) * 4f;
                return Ops.SoftmaxCrossEntropy(logits, targets);
            }
        }
        """;

    [Fact]
    public void Cross_method_call()
    {
        var result = Harness.Run(Harness.Usings + CrossMethodSource);
        Snapshot.Verify(result.Source("Models.Model.Loss.g.cs"), "CrossMethod.Model.Loss");
        Snapshot.Verify(result.Source("Models.Layers.Dense.g.cs"), "CrossMethod.Layers.Dense");
    }

    [Fact]
    public void Scalar_method_with_reassigned_locals_and_no_gradient()
    {
        var result = Harness.Run(Harness.Usings + """
            namespace Physics;

            public partial struct Spring
            {
                [Differentiable]
                internal static double Energy(double x, double v, [NoGradient] double k, int steps)
                {
                    var e = 0.5 * k * x * x;
                    e = e + 0.5 * v * v * steps;
                    return e + Math.Sin(x) * Math.Exp(-v);
                }
            }
            """);
        Snapshot.Verify(result.Source("Physics.Spring.Energy.g.cs"), "Scalar.Spring.Energy");
    }

    private const string LoopSource = """
        namespace Models;

        public static partial class Recurrent
        {
            /// <summary>A recurrent cell run over time: the hidden state is carried from one step to the next.</summary>
            [Differentiable]
            public static float Rnn(Tensor<float> h0, Tensor<float> whh, Tensor<float> wxh, Tensor<float>[] xs)
            {
                var h = h0;
                for (int t = 0; t < xs.Length; t++)
                {
                    h = Ops.Tanh(Ops.MatMul(h, whh) + Ops.MatMul(xs[t], wxh));
                }
                return Ops.Sum(h);
            }

            /// <summary>A deep residual stack: one weight matrix per layer.</summary>
            [Differentiable]
            public static Tensor<float> Residual(Tensor<float> x, Tensor<float>[] layers)
            {
                var h = x;
                foreach (var w in layers)
                {
                    h = h + Ops.Relu(Ops.MatMul(h, w));
                }
                return h;
            }
        }
        """;

    private const string WeightObjectSource = """
        namespace Models;

        /// <summary>One dense layer: its weights live in the object, like a PyTorch module.</summary>
        public sealed record Dense(Tensor<float> W, Tensor<float> B);

        public sealed class Classifier
        {
            public Classifier(Dense[] hidden, Dense output) { Hidden = hidden; Output = output; }
            public Dense[] Hidden { get; }
            public Dense Output { get; }
        }

        public static partial class Training
        {
            [Differentiable]
            public static float Loss(Classifier model, Tensor<float> x, int[] targets)
            {
                var h = x;
                foreach (var layer in model.Hidden)
                {
                    h = Ops.Relu(Ops.MatMul(h, layer.W) + layer.B);
                }
                var logits = Ops.MatMul(h, model.Output.W) + model.Output.B;
                return Ops.SoftmaxCrossEntropy(logits, targets);
            }
        }
        """;

    [Fact]
    public void Weight_object_with_an_array_of_layers()
    {
        var result = Harness.Run(Harness.Usings + WeightObjectSource);
        Snapshot.Verify(result.Source("Models.Training.Loss.g.cs"), "WeightObject.Training.Loss");
    }

    private const string InstanceMethodSource = """
        namespace Models;

        public sealed record Layer(Tensor<float> W, Tensor<float> B);

        /// <summary>A residual MLP whose [Differentiable] methods are its own instance methods: differentiated with respect to this.</summary>
        public sealed partial class ResidualMlp
        {
            public ResidualMlp(Layer[] layers, Tensor<float> head) { Layers = layers; Head = head; }
            public Layer[] Layers { get; }
            public Tensor<float> Head { get; }

            /// <summary>A learned softmax temperature: a float member is a leaf like the tensors (it must be writable).</summary>
            public float Temperature { get; set; } = 1;

            [Differentiable]
            public Tensor<float> Block(Tensor<float> h, int i) => h + Ops.Relu(Ops.MatMul(h, Layers[i].W) + Layers[i].B);

            [Differentiable]
            public float Loss([NoGradient] Tensor<float> x, int[] targets)
            {
                var h = x;
                for (int i = 0; i < Layers.Length; i++)
                {
                    h = this.Block(h, i);
                }
                return Ops.SoftmaxCrossEntropy(Ops.MatMul(h, Head) / Temperature, targets);
            }
        }
        """;

    [Fact]
    public void Instance_method_on_a_model_with_an_array_of_layers()
    {
        var result = Harness.Run(Harness.Usings + InstanceMethodSource);
        Snapshot.Verify(result.Source("Models.ResidualMlp.Block.g.cs"), "Instance.ResidualMlp.Block");
        Snapshot.Verify(result.Source("Models.ResidualMlp.Loss.g.cs"), "Instance.ResidualMlp.Loss");
    }

    private const string BranchSource = """
        namespace Models;

        public static partial class Piecewise
        {
            /// <summary>ReLU written by hand: the gradient flows through the branch taken.</summary>
            [Differentiable]
            public static double Relu(double x) => x > 0 ? x : 0;

            /// <summary>A Huber loss: quadratic near zero, linear beyond delta.</summary>
            [Differentiable]
            public static double Huber(double prediction, double target, [NoGradient] double delta)
            {
                var error = prediction - target;
                var loss = 0.5 * error * error;
                if (error > delta)
                {
                    loss = delta * (error - 0.5 * delta);
                }
                else if (error < -delta)
                {
                    loss = -delta * (error + 0.5 * delta);
                }
                return loss;
            }

            /// <summary>Mean squared error of a linear model, 0 for an empty batch: an early return.</summary>
            [Differentiable]
            public static float Mse(Tensor<float> x, Tensor<float> w, Tensor<float> y)
            {
                if (x.Lengths[0] == 0) return 0f;
                var error = Ops.MatMul(x, w) - y;
                return Ops.Mean(error * error);
            }
        }
        """;

    [Fact]
    public void Branches()
    {
        var result = Harness.Run(Harness.Usings + BranchSource);
        Snapshot.Verify(result.Source("Models.Piecewise.Relu.g.cs"), "Branch.Piecewise.Relu");
        Snapshot.Verify(result.Source("Models.Piecewise.Huber.g.cs"), "Branch.Piecewise.Huber");
        Snapshot.Verify(result.Source("Models.Piecewise.Mse.g.cs"), "Branch.Piecewise.Mse");
    }

    [Fact]
    public void Loop_over_time_and_over_layers()
    {
        var result = Harness.Run(Harness.Usings + LoopSource);
        Snapshot.Verify(result.Source("Models.Recurrent.Rnn.g.cs"), "Loop.Recurrent.Rnn");
        Snapshot.Verify(result.Source("Models.Recurrent.Residual.g.cs"), "Loop.Recurrent.Residual");
    }

    [Fact]
    public void TinyGpt_block_and_whole_model()
    {
        // samples/GradGen.Samples.TinyGpt: Block (attention + MLP), and the whole model: Logits (embeddings, the blocks, the
        // final layer norm, tied output projection) and Loss (softmax-cross-entropy over all B·T positions).
        var result = Harness.Run(Sample("GradGen.Samples.TinyGpt", "TinyGpt.cs"));
        Snapshot.Verify(result.Source("GradGen.Samples.TinyGpt.TinyGpt.Block.g.cs"), "TinyGpt.Block");
        Snapshot.Verify(result.Source("GradGen.Samples.TinyGpt.TinyGpt.Logits.g.cs"), "TinyGpt.Logits");
        Snapshot.Verify(result.Source("GradGen.Samples.TinyGpt.TinyGpt.Loss.g.cs"), "TinyGpt.Loss");
    }

    [Fact]
    public void Every_generated_file_is_a_snapshot_that_compiles()
    {
        // The snapshots above are only worth reading if the code they show compiles: Harness.Load fails on any warning.
        Harness.Load(Sample("GradGen.Samples.Seed", "Examples.cs"), Sample("GradGen.Samples.Mlp", "Mlp.cs"), Harness.Usings + CrossMethodSource, Harness.Usings + LoopSource, Harness.Usings + WeightObjectSource, Harness.Usings + BranchSource);
        Harness.Load(Harness.Usings + InstanceMethodSource);
        Harness.Load(Sample("GradGen.Samples.TinyGpt", "TinyGpt.cs"));
        Assert.True(Directory.EnumerateFiles(Path.Combine(RepositoryRoot(), "tests", "GradGen.Tests", "Generator", "Snapshots"), "*.verified.cs").Count() >= 17);
    }
}
