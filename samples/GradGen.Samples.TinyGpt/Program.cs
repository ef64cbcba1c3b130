using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using GradGen;
using GradGen.Samples.TinyGpt;
using Spectre.Console;

// A byte-level GPT-2 trained on this repository's own text with the backward pass GradGen generated at compile time.
Options options;
try { options = Options.Parse(args); }
catch (Exception e) when (e is ArgumentException or FormatException) { Console.Error.WriteLine(e.Message); return 2; }

const int V = 256;                                                                   // bytes
var corpus = Corpus.Load();
AnsiConsole.MarkupLine($"Corpus: [bold]{corpus.Files}[/] *.md and *.cs files of {Markup.Escape(corpus.Root)}, {corpus.Length:N0} bytes.");

// 1. Check the generated gradients once, on a tiny model, against finite differences.
if (!options.SkipCheck)
{
    var check = GradientCheck.Run(new Random(options.Seed));
    AnsiConsole.MarkupLine($"GradCheck of LossBackward (B=2, T=4, C=8, NH=2, L=1, V=16; {check.Count} weights): largest error [bold]{check.MaxError:E2}[/] in {Markup.Escape(check.Worst)} (float tolerance {check.Tolerance:G2}) [green]passed[/]");
}

// 2. The model: fresh (GPT-2's init) or loaded.
var model = options.Load is null
    ? Gpt.Create(new Random(options.Seed), V, options.Sequence, options.Channels, options.Heads, options.Layers)
    : Checkpoint.Load(options.Load);
int B = options.Batch, T = Math.Min(options.Sequence, model.MaxT);
var parameters = Parameters.Tensors(model);
AnsiConsole.MarkupLine($"Model: V={model.Vocabulary}, C={model.Channels}, NH={model.Heads}, L={model.Blocks.Length}, max T={model.MaxT}; {parameters.Sum(p => p.FlattenedLength):N0} parameters{(options.Load is null ? "" : " loaded from " + Markup.Escape(options.Load))}. Batch B={B}, T={T}.");

// 3. Train: AdamW over every weight; the accumulating LossBackward adds into one gradient object, cleared each step.
var gradient = Parameters.ZerosLike(model);
var optimizer = new AdamW<float>(parameters, options.LearningRate, weightDecay: 0.0);
var gradients = Parameters.Tensors(gradient);
var batches = new Random(options.Seed + 1);
var losses = new List<float>();
var clock = new Stopwatch();

// Learning rate: linear warm-up over 100 steps (a fifth of a shorter run), then cosine decay to a tenth (as nanoGPT).
double Schedule(int step)
{
    var warmup = Math.Max(1, Math.Min(100, options.Steps / 5));
    if (step <= warmup) return options.LearningRate * step / warmup;
    var progress = (step - warmup) / (double)Math.Max(1, options.Steps - warmup);
    return options.LearningRate * (0.1 + 0.9 * 0.5 * (1 + Math.Cos(Math.PI * progress)));
}

void Step(int step)
{
    var (tokens, targets) = corpus.Batch(batches, B, T);
    optimizer.LearningRate = Schedule(step);
    clock.Restart();
    var loss = TinyGpt.LossBackward(model, tokens, targets, B, T, gradient, overwrite: true); // written, not added: no clearing first
    optimizer.Step(gradients);
    clock.Stop();
    losses.Add(loss);
}

string Status(int step) => $"step {step}/{options.Steps}  loss {losses[^1]:F3}  {clock.Elapsed.TotalMilliseconds:F0} ms/step  {B * T / clock.Elapsed.TotalSeconds:N0} tokens/s";

var total = Stopwatch.StartNew();
if (AnsiConsole.Profile.Capabilities.Interactive)
{
    AnsiConsole.Progress()
        .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
        .Start(context =>
        {
            var task = context.AddTask("training", maxValue: Math.Max(1, options.Steps));
            for (var step = 1; step <= options.Steps; step++)
            {
                Step(step);
                task.Description = Status(step);
                task.Increment(1);
            }
        });
}
else
{
    for (var step = 1; step <= options.Steps; step++)
    {
        Step(step);
        if (step == 1 || step % 25 == 0 || step == options.Steps) Console.WriteLine(Status(step));
    }
}
total.Stop();

// 4. Report: the loss curve as numbers and as a picture.
Directory.CreateDirectory(options.Output);
if (losses.Count > 0)
{
    float Average(int from, int count) => losses.Skip(from).Take(count).Average();
    var window = Math.Min(20, losses.Count);
    var table = new Table().AddColumns("step", "loss");
    foreach (var step in new[] { 1, 10, 50, 100, 200, 300, 500, 1000, 2000 }.Where(s => s < losses.Count).Append(losses.Count)) table.AddRow(step.ToString(), losses[step - 1].ToString("F3"));
    AnsiConsole.Write(table);
    AnsiConsole.MarkupLine($"Trained {losses.Count} steps in {total.Elapsed.TotalSeconds:F1} s ({total.Elapsed.TotalMilliseconds / losses.Count:F0} ms/step, {B * T * losses.Count / total.Elapsed.TotalSeconds:N0} tokens/s). Mean loss of the first {window} steps {Average(0, window):F3}, of the last {window} [bold]{Average(losses.Count - window, window):F3}[/] (uniform: ln 256 = {Math.Log(256):F3}).");
    AnsiConsole.MarkupLine($"Loss curve: {Markup.Escape(LossPlot.Write(options.Output, losses))}");
}

// 5. Save the weights, and load them back to show the file holds the whole model.
var saved = Path.Combine(options.Output, "model.safetensors");
Checkpoint.Save(saved, model);
var reloaded = Checkpoint.Load(saved);
var (probe, probeTargets) = corpus.Batch(new Random(0), B, T);
var same = TinyGpt.Loss(model, probe, probeTargets, B, T) == TinyGpt.Loss(reloaded, probe, probeTargets, B, T);
AnsiConsole.MarkupLine($"Weights: {Markup.Escape(saved)} ({new FileInfo(saved).Length:N0} bytes, safetensors); reloaded, same loss: {same}. Continue with --load {Markup.Escape(saved)}.");

// 6. Sample a few lines.
var sampling = new Random(options.Seed + 2);
for (var n = 0; n < 3; n++)
{
    var prompt = corpus.Prompt(sampling, 16);
    var text = Sampler.Generate(model, prompt, options.SampleLength, temperature: 0.8, sampling);
    AnsiConsole.Write(new Panel(new Text(Encoding.UTF8.GetString(prompt) + Encoding.UTF8.GetString(text))).Header($"sample {n + 1}"));
}
return same ? 0 : 1;
