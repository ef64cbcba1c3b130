using System;
using System.Diagnostics;
using System.Linq;
using GradGen;
// The TinyGpt training step as generated at two commits (namespace GradGen.Old: the base; GradGen.Samples.TinyGpt: this checkout),
// compiled into one process against this checkout's runtime and timed call by call: the per-pair ratio resolves changes of
// 1–2 % on a machine whose speed drifts over minutes (docs/performance.md, "Run A"). First checks that both compute the same
// loss and gradients, bit for bit (a change meant to be exact must keep them).
int layers = args.Length > 0 ? int.Parse(args[0]) : 1;
int pairs = args.Length > 1 ? int.Parse(args[1]) : 1000;
int B = 4, T = 64, C = 128, NH = 4, V = 256;
var oldModel = GradGen.Old.Gpt.Create(new Random(1), V, T, C, NH, layers);
var newModel = GradGen.Samples.TinyGpt.Gpt.Create(new Random(1), V, T, C, NH, layers);
var oldGradient = Parameters.ZerosLike(oldModel);
var newGradient = Parameters.ZerosLike(newModel);
var oldTensors = Parameters.Tensors(oldGradient);
var newTensors = Parameters.Tensors(newGradient);
var rng = new Random(2);
var tokens = new int[B * T];
var targets = new int[B * T];
for (int i = 0; i < tokens.Length; i++) { tokens[i] = rng.Next(V); targets[i] = rng.Next(V); }
float Before() { Ops.ZeroGradients(oldTensors); return GradGen.Old.TinyGpt.LossBackward(oldModel, tokens, targets, B, T, oldGradient); }
float After() { Ops.ZeroGradients(newTensors); return GradGen.Samples.TinyGpt.TinyGpt.LossBackward(newModel, tokens, targets, B, T, newGradient); }

float lossBefore = Before(), lossAfter = After();
float[] a = oldTensors.SelectMany(t => t.ToArray()).ToArray(), b = newTensors.SelectMany(t => t.ToArray()).ToArray();
int differ = a.Length == b.Length ? Enumerable.Range(0, a.Length).Count(i => BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i])) : -1;
string Cpu(string key) => System.IO.File.Exists("/proc/cpuinfo") ? System.IO.File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal))?.Split(':')[1].Trim() ?? "?" : "?";
Console.WriteLine($"{Cpu("model name")} (family {Cpu("cpu family")}, model {Cpu("model\t")}), {Environment.ProcessorCount} cores; "
                  + $"Vector512 {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}, Vector256 {System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated}");
Console.WriteLine($"L={layers}: loss before {lossBefore} after {lossAfter}; {differ} of {a.Length} gradient values differ in bits");

for (int w = 0; w < 3; w++)
{
    var warm = Stopwatch.StartNew();
    while (warm.ElapsedMilliseconds < 1000) { Before(); After(); }
    System.Threading.Thread.Sleep(200); // past the tiering of the first calls
}
var ratio = new double[pairs];
var before = new double[pairs];
var after = new double[pairs];
for (int i = 0; i < pairs; i++)
{
    for (int k = 0; k < 2; k++)
    {
        bool isAfter = (k == 0) == (i % 2 == 0); // alternate which goes first
        long t0 = Stopwatch.GetTimestamp();
        if (isAfter) After(); else Before();
        double t = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
        if (isAfter) after[i] = t; else before[i] = t;
    }
    ratio[i] = after[i] / before[i];
}
Array.Sort(ratio); Array.Sort(before); Array.Sort(after);
Console.WriteLine($"L={layers}: before median {before[pairs / 2]:F0} µs, after {after[pairs / 2]:F0} µs; after/before per pair median {ratio[pairs / 2]:F3} (middle half {ratio[pairs / 4]:F3}–{ratio[3 * pairs / 4]:F3}), {pairs} pairs");
