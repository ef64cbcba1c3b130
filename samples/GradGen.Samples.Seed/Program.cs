using System;
using System.Globalization;
using System.Linq;
using System.Numerics.Tensors;
using GradGen;
using GradGen.Samples.Seed;

// Each example: the generated gradient, the rule it follows, and its finite-difference check.
var random = new Random(7);
var x = Random(random, 2, 3);
var z = Random(random, 2, 3);
var w = Random(random, 3, 2);
var dY = Random(random, 2, 3);
var dY2 = Random(random, 2, 2);
int[] targets = [2, 0];

Show("Y = ReLU(X)", "∂L/∂X = ∂L/∂Y ⊙ 1[X > 0]");
var relu = Examples.ReluBackward(x, dY);
Print("X", x); Print("∂L/∂Y", dY); Print("∂L/∂X", relu.dX);
Check("∂L/∂X", GradCheck.Check(Examples.Relu, x, dY, relu.dX));

Show("Y = X + Z (residual)", "∂L/∂X = ∂L/∂Y,  ∂L/∂Z = ∂L/∂Y");
var residual = Examples.ResidualBackward(x, z, dY);
Print("∂L/∂X", residual.dX); Print("∂L/∂Z", residual.dZ);
Check("∂L/∂X", GradCheck.Check(v => Examples.Residual(v, z), x, dY, residual.dX));
Check("∂L/∂Z", GradCheck.Check(v => Examples.Residual(x, v), z, dY, residual.dZ));

Show("Y = X ⊙ X (element-wise square)", "∂L/∂X = ∂L/∂Y ⊙ X + ∂L/∂Y ⊙ X = 2X ⊙ ∂L/∂Y  (X is used twice: the contributions add)");
var square = Examples.SquareBackward(x, dY);
Print("∂L/∂X", square.dX);
Check("∂L/∂X", GradCheck.Check(Examples.Square, x, dY, square.dX));

Show("Y = X·W", "∂L/∂X = ∂L/∂Y·Wᵀ,  ∂L/∂W = Xᵀ·∂L/∂Y");
var linear = Examples.LinearBackward(x, w, dY2);
Print("∂L/∂X", linear.dX); Print("∂L/∂W", linear.dW);
Check("∂L/∂X", GradCheck.Check(v => Examples.Linear(v, w), x, dY2, linear.dX));
Check("∂L/∂W", GradCheck.Check(v => Examples.Linear(x, v), w, dY2, linear.dW));

Show("L = softmax-cross-entropy(Z, y)", "∂L/∂Z = (softmax(Z) − onehot(y)) / N");
var ce = Examples.CrossEntropyBackward(z, targets);
Console.WriteLine($"  L = {ce.Value:F6}");
Print("∂L/∂Z", ce.dZ);
Check("∂L/∂Z", GradCheck.Check(v => Examples.CrossEntropy(v, targets), z, ce.dZ));

return;

static void Show(string forward, string rule)
{
    Console.WriteLine();
    Console.WriteLine(forward);
    Console.WriteLine("  rule: " + rule);
}

static void Print(string name, Tensor<double> t)
{
    var rows = (int)t.Lengths[0];
    var columns = (int)t.Lengths[1];
    for (var i = 0; i < rows; i++)
    {
        var cells = string.Join("  ", Enumerable.Range(0, columns).Select(j => t[i, j].ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture)));
        Console.WriteLine($"  {(i == 0 ? name : ""),-7} {(i == 0 ? "=" : " ")} [ {cells} ]");
    }
}

static void Check(string name, GradCheckResult result)
{
    Console.WriteLine($"  check {name}: {result}");
    result.ThrowIfFailed();
}

static Tensor<double> Random(Random random, int rows, int columns)
{
    var values = new double[rows * columns];
    for (var i = 0; i < values.Length; i++) values[i] = Math.Round(random.NextDouble() * 4 - 2, 2);
    return Tensor.Create(values, [rows, columns]);
}
