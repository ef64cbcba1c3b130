using System;
using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text;
using GradGen;
using GradGen.Samples.CharRnn;

// A character-level RNN (Karpathy's min-char-rnn, batched) trained on this repository's own docs with the backward
// pass GradGen generates at compile time from Rnn.Loss.
const int Hidden = 128, Steps = 25, Batch = 16, ReportEvery = 250;
// The number of iterations may be given on the command line (dotnet run -c Release -- 20000).
var Iterations = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 5000;
var LearningRate = args.Length > 1 ? float.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 0.05f;

// 1. The text and its vocabulary.
var corpus = Corpus.FromRepositoryDocs(AppContext.BaseDirectory);
var vocabulary = corpus.Characters.Length;
Console.WriteLine($"Data: {corpus.Text.Length:N0} characters of docs/*.md, {vocabulary} distinct; hidden size {Hidden}, {Steps} steps × {Batch} sequences per batch.");

// 2. Check the generated gradient once, on a small model of the same vocabulary, against central finite differences.
{
    var random = new Random(1);
    var small = CharRnn.Create(vocabulary, 8, random);
    // Weights of scale 0.3 rather than 0.01, so that the check also sees the recurrence (tanh away from its linear part).
    foreach (var leaf in Parameters.Tensors(small)) Scale(leaf, 30f, random);
    var h0 = Fill(Tensor.Create(new float[2 * 8], [1, 2, 8]), random);
    var (inputs, targets) = corpus.Batch(random, steps: 5, batch: 2);
    var (value, gradient, dH0) = Rnn.LossBackward(small, h0, inputs, targets, 2);
    Console.WriteLine($"GradCheck on a [V={vocabulary}, H=8] model, 5 steps × 2 sequences (loss {value:F4}):");
    var leaves = Parameters.Leaves(small);
    var gradients = Parameters.Tensors(gradient);
    for (var k = 0; k < leaves.Count; k++)
    {
        var result = GradCheck.Check(_ => Rnn.Loss(small, h0, inputs, targets, 2), (Tensor<float>)leaves[k].Tensor, gradients[k]);
        Console.WriteLine($"  d{leaves[k].Path,-4} {result}");
        if (!result.Passed) return 1;
    }
    var hResult = GradCheck.Check(h => Rnn.Loss(small, h, inputs, targets, 2), h0, dH0);
    Console.WriteLine($"  dh0  {hResult}");
    if (!hResult.Passed) return 1;
}

// 3. Train with Adagrad. The gradient object is allocated once; the accumulating LossBackward adds into it.
var rng = new Random(42);
var model = CharRnn.Create(vocabulary, Hidden, rng);
var grad = Parameters.ZerosLike(model);
var zeroState = Tensor.Create(new float[Batch * Hidden], [1, Batch, Hidden]);
var dState = Tensor.Create(new float[Batch * Hidden], [1, Batch, Hidden]);
var optimizer = new Adagrad(Parameters.Tensors(model), LearningRate);
var gradTensors = Parameters.Tensors(grad);
Console.WriteLine($"Training {Iterations} iterations; loss per character, ln V = {Math.Log(vocabulary):F3} for a uniform guess:");
var clock = Stopwatch.StartNew();
double smooth = Math.Log(vocabulary), first = double.NaN;
for (var iteration = 1; iteration <= Iterations; iteration++)
{
    var (inputs, targets) = corpus.Batch(rng, Steps, Batch);
    var loss = Rnn.LossBackward(model, zeroState, inputs, targets, Batch, grad, dState, overwrite: true) / Steps; // written, not added
    optimizer.Step(gradTensors);
    if (iteration == 1) first = loss;
    smooth = 0.95 * smooth + 0.05 * loss;
    if (iteration % ReportEvery == 0 || iteration == 1)
    {
        Console.WriteLine($"  iteration {iteration,5}  loss {loss:F3}  smoothed {smooth:F3}  ({clock.Elapsed.TotalSeconds:F1} s)");
    }
}
Console.WriteLine($"Loss per character: {first:F3} at the first iteration, {smooth:F3} (smoothed) after {Iterations}, in {clock.Elapsed.TotalSeconds:F1} s.");

// 4. Sample from the trained network, one character at a time.
Console.WriteLine("Sample:");
Console.WriteLine(Sample(model, corpus, "The ", 400, temperature: 0.7, new Random(3)));
return smooth < first - 1 ? 0 : 1;

static string Sample(CharRnn model, Corpus corpus, string prompt, int length, double temperature, Random random)
{
    var h = Tensor.Create(new float[model.Whh.Lengths[0]], [1, 1, model.Whh.Lengths[0]]);
    var text = new StringBuilder(prompt);
    for (var i = 0; i < prompt.Length - 1; i++) h = Rnn.Step(model, h, Ops.Embedding(model.Wxh, [corpus.Id(prompt[i])], 1, 1));
    var next = corpus.Id(prompt[^1]);
    for (var i = 0; i < length; i++)
    {
        h = Rnn.Step(model, h, Ops.Embedding(model.Wxh, [next], 1, 1));
        var logits = Rnn.Logits(model, h);
        next = Draw(logits, temperature, random);
        text.Append(corpus.Characters[next]);
    }
    return text.ToString();
}

static int Draw(Tensor<float> logits, double temperature, Random random)
{
    var count = (int)logits.Lengths[2];
    var weights = new double[count];
    double max = double.NegativeInfinity, total = 0;
    for (var c = 0; c < count; c++) max = Math.Max(max, logits[0, 0, c]);
    for (var c = 0; c < count; c++) total += weights[c] = Math.Exp((logits[0, 0, c] - max) / temperature);
    var u = random.NextDouble() * total;
    for (var c = 0; c < count; c++)
    {
        u -= weights[c];
        if (u <= 0) return c;
    }
    return count - 1;
}

static Tensor<float> Fill(Tensor<float> tensor, Random random)
{
    var span = Ops.AsSpan(tensor);
    for (var i = 0; i < span.Length; i++) span[i] = (float)(random.NextDouble() * 2 - 1);
    return tensor;
}

static void Scale(Tensor<float> tensor, float factor, Random random)
{
    var span = Ops.AsSpan(tensor);
    for (var i = 0; i < span.Length; i++) span[i] = span[i] == 0 ? (float)(random.NextDouble() * 0.2 - 0.1) : span[i] * factor;
}
