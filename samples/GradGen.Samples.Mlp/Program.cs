using System;
using System.IO;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;
using GradGen.Samples.Mlp;

// 1. A data set a linear model cannot separate: three interleaved spirals in the plane.
const int PerClass = 100, Classes = 3, Hidden = 64;
var (x, targets) = Spirals(PerClass, Classes, seed: 0);
Console.WriteLine($"Data: {targets.Length} points on {Classes} spirals, hidden layer of {Hidden} ReLUs.");

// 2. Parameters, initialised with a fixed seed.
var random = new Random(42);
var w1 = Randn(random, Math.Sqrt(2.0 / 2), 2, Hidden);
var b1 = Tensor.Create(new float[Hidden], [Hidden]);
var w2 = Randn(random, Math.Sqrt(2.0 / Hidden), Hidden, Classes);
var b2 = Tensor.Create(new float[Classes], [Classes]);

// 3. Check the generated gradient once against central finite differences.
var (loss0, _, dW1, dB1, dW2, dB2) = Mlp.LossBackward(x, w1, b1, w2, b2, targets);
Console.WriteLine($"Initial loss {loss0:F4} (ln 3 = {Math.Log(3):F4}).");
Console.WriteLine("GradCheck dW1: " + GradCheck.Check(w => Mlp.Loss(x, w, b1, w2, b2, targets), w1, dW1));
Console.WriteLine("GradCheck dB1: " + GradCheck.Check(b => Mlp.Loss(x, w1, b, w2, b2, targets), b1, dB1));
Console.WriteLine("GradCheck dW2: " + GradCheck.Check(w => Mlp.Loss(x, w1, b1, w, b2, targets), w2, dW2));
Console.WriteLine("GradCheck dB2: " + GradCheck.Check(b => Mlp.Loss(x, w1, b1, w2, b, targets), b2, dB2));

// 4. Train with plain SGD. The gradient buffers are allocated once; the accumulating LossBackward adds into them.
var gX = Ops.ZerosLike(x);
var gW1 = Ops.ZerosLike(w1);
var gB1 = Ops.ZerosLike(b1);
var gW2 = Ops.ZerosLike(w2);
var gB2 = Ops.ZerosLike(b2);
const float LearningRate = 0.5f;
const int Steps = 3000;
for (var step = 0; step <= Steps; step++)
{
    // overwrite: the gradients are written into the buffers, not added to what they held (no zeroing between steps)
    var loss = Mlp.LossBackward(x, w1, b1, w2, b2, targets, gX, gW1, gB1, gW2, gB2, overwrite: true);
    Sgd.Step(w1, gW1, LearningRate);
    Sgd.Step(b1, gB1, LearningRate);
    Sgd.Step(w2, gW2, LearningRate);
    Sgd.Step(b2, gB2, LearningRate);
    if (step % 500 == 0) Console.WriteLine($"step {step,5}  loss {loss:F4}");
}

// 5. How well did it learn?
var predictions = Mlp.Predict(x, w1, b1, w2, b2);
var accuracy = predictions.Zip(targets).Count(p => p.First == p.Second) / (double)targets.Length;
Console.WriteLine($"Training accuracy: {accuracy:P1}");

// 6. The same kind of network with its weights in a model class (MlpModel.cs) and its loss a method of the model: two
//    hidden layers this time, the gradient a whole MlpModel (dSelf), checked leaf by leaf and fed to AdamW in one call.
var model = MlpModel.Create(new Random(7), 2, Hidden, Hidden, Classes);
var (modelLoss0, modelGradient) = model.LossBackward(x, targets);
Console.WriteLine($"Model class {string.Join(" → ", model.Hidden.Select(l => l.W.Lengths[0]).Append(model.Output.W.Lengths[0]).Append(model.Output.W.Lengths[1]))}: initial loss {modelLoss0:F4}.");
var modelLeaves = Parameters.Leaves(model);
var gradientLeaves = Parameters.Tensors(modelGradient);
for (var k = 0; k < modelLeaves.Count; k++)
{
    var check = GradCheck.Check(_ => model.Loss(x, targets), (Tensor<float>)modelLeaves[k].Tensor, gradientLeaves[k]);
    Console.WriteLine($"GradCheck d{modelLeaves[k].Path}: {check}");
}
var optimizer = new AdamW<float>(Parameters.Tensors(model), learningRate: 0.01, weightDecay: 0);
var modelGradients = Parameters.ZerosLike(model);
var modelGradientTensors = Parameters.Tensors(modelGradients);
const int ModelSteps = 1000;
for (var step = 0; step <= ModelSteps; step++)
{
    var loss = model.LossBackward(x, targets, modelGradients, overwrite: true);
    optimizer.Step(modelGradientTensors);
    if (step % 250 == 0) Console.WriteLine($"step {step,5}  loss {loss:F4}");
}
var modelAccuracy = model.Predict(x).Zip(targets).Count(p => p.First == p.Second) / (double)targets.Length;
Console.WriteLine($"Training accuracy of the model class: {modelAccuracy:P1}");

var generated = Path.Combine("samples", "GradGen.Samples.Mlp", "obj", "Generated", "GradGen.Generators",
    "GradGen.Generators.DifferentiableGenerator", "GradGen.Samples.Mlp.Mlp.Loss.g.cs");
Console.WriteLine($"The generated backward pass is in {generated} (or: go to definition of LossBackward in your IDE).");
return accuracy > 0.9 && modelAccuracy > 0.9 ? 0 : 1;

static (Tensor<float> X, int[] Targets) Spirals(int perClass, int classes, int seed)
{
    var random = new Random(seed);
    var points = new float[perClass * classes * 2];
    var labels = new int[perClass * classes];
    for (var c = 0; c < classes; c++)
    {
        for (var i = 0; i < perClass; i++)
        {
            var row = c * perClass + i;
            var radius = i / (double)(perClass - 1);
            var angle = c * 4.0 + 4.0 * radius + random.NextDouble() * 0.2;
            points[2 * row] = (float)(radius * Math.Sin(angle));
            points[2 * row + 1] = (float)(radius * Math.Cos(angle));
            labels[row] = c;
        }
    }
    return (Tensor.Create(points, [perClass * classes, 2]), labels);
}

static Tensor<float> Randn(Random random, double scale, int rows, int columns)
{
    var values = new float[rows * columns];
    for (var i = 0; i < values.Length; i++)
    {
        // Box–Muller
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        values[i] = (float)(scale * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
    return Tensor.Create(values, [rows, columns]);
}
