using System.Collections.Generic;
using System.Linq;
using System.Text;
using GradGen.Generators.Differentiation;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Emit;

/// <summary>Emit, the forward sweep: instructions in order, loops recording one tape per iteration, branches.</summary>
internal sealed partial class Emitter
{
    // ── the forward sweep ────────────────────────────────────────────────────────────────

    private string ParameterList => string.Join(", ", M.Parameters.Select(p => p.Type.TypeName + " " + p.Name));

    private string ArgumentList => string.Join(", ", M.Parameters.Select(p => p.Name));

    private void Forward()
    {
        var w = _writer;
        w.Line("/// <summary>Computes <c>" + M.Name + "</c> exactly as written and records in <paramref name=\"" + _names.Tape + "\"/> what <see cref=\"" + M.Name + Naming.PullbackSuffix + "\"/> needs.</summary>");
        w.Open(M.Accessibility + _static + " " + M.ReturnType.TypeName + " " + M.Name + Naming.ForwardSuffix + "(" + ParameterList + (M.Parameters.Count > 0 ? ", " : "") + "out " + _tapeType + " " + _names.Tape + ")");
        ShapeChecks();
        ForwardRegion(-1);
        var fields = TapeFields(-1).Select(f => f.Name).ToList();
        w.Line(_names.Tape + " = " + (fields.Count == 0 ? "default" : NewTape(_tapeType, fields)) + ";");
        w.Line("return " + Name(M.Result) + ";");
        w.Close();
    }

    /// <summary>The parameters' declared shapes, checked on entry: one clear exception instead of a kernel's, deep inside.</summary>
    private void ShapeChecks()
    {
        if (M.ShapeChecks.Count == 0) return;
        var w = _writer;
        w.Line("// the shapes declared with [Shape], checked on entry");
        foreach (var check in M.ShapeChecks)
        {
            var lengths = check.Expected.Count is >= 1 and <= 4 ? string.Join(", ", check.Expected) : "new nint[] { " + string.Join(", ", check.Expected) + " }";
            w.Line("global::GradGen.ShapeCheck.Require(" + check.Parameter + ", \"" + check.Parameter.TrimStart('@') + "\", \"" + check.Declared + "\", " + lengths + ");");
            for (var axis = 0; axis < check.Binds.Count; axis++)
            {
                if (check.Binds[axis].Length > 0) w.Line("var " + check.Binds[axis] + " = " + check.Parameter + ".Lengths[" + axis.ToString(System.Globalization.CultureInfo.InvariantCulture) + "];");
            }
        }
    }

    private void ForwardRegion(int region)
    {
        var w = _writer;
        // A loop that tests a condition at the top of each iteration stops as soon as the condition is computed.
        var test = region >= 0 && _instructions[region].Op == OpKind.For ? _instructions[region].Condition : -1;
        foreach (var id in _plan.Forward)
        {
            var instruction = _instructions[id];
            if (instruction.Region != region) continue;
            if (test >= 0 && id > test)
            {
                TopTest(test);
                test = -1;
            }
            switch (instruction.Op)
            {
                case OpKind.Call when instruction.Callee!.CustomPullback is not null:
                    w.Line(Introduce(instruction) + " = " + instruction.Callee.Receiver + "." + instruction.Callee.Name + "(" + string.Join(", ", instruction.Operands.Select(Name)) + ");");
                    break;
                case OpKind.Call:
                    var callee = instruction.Callee!;
                    var arguments = string.Join(", ", instruction.Operands.Skip(callee.FirstArgument).Select(Name));
                    var result = _plan.Saved.Contains(id) && Hoisted(id) ? instruction.Name : Local(instruction.Type.TypeName) + " " + instruction.Name;
                    var calleeTape = _plan.SavedTapes.Contains(id) && Hoisted(id) ? _names.Tapes[id] : Local(callee.TapeType) + " " + _names.Tapes[id];
                    w.Line(result + " = " + Receiver(instruction) + "." + callee.Name + Naming.ForwardSuffix + "(" + Join(arguments, "out " + calleeTape) + ");");
                    break;
                case OpKind.For:
                    ForwardLoop(instruction);
                    break;
                case OpKind.If:
                    ForwardBranch(instruction);
                    break;
                case OpKind.LoopIndex:
                case OpKind.Carried:
                case OpKind.Yield:
                case OpKind.Else:
                case OpKind.IfResult:
                    break; // printed by ForwardLoop and ForwardBranch
                case OpKind.LoopResult:
                    w.Line(Introduce(instruction) + " = " + Name(Carried(instruction.Operands[0], instruction.Index)) + ";");
                    break;
                case OpKind.Passive:
                case OpKind.Pack:
                case OpKind.NewArray:
                    w.Line(Introduce(instruction) + " = " + PassiveExpression(instruction) + ";");
                    break;
                case OpKind.Store:
                    w.Line(PassiveExpression(instruction) + ";");
                    break;
                case OpKind.Element:
                    w.Line(Introduce(instruction) + " = " + Name(instruction.Operands[0]) + "[" + Name(instruction.Operands[1]) + "];");
                    break;
                case OpKind.Member:
                    w.Line(Introduce(instruction) + " = " + Name(instruction.Operands[0]) + "." + instruction.Template + ";");
                    break;
                default:
                    if (instruction.Fused is not null) w.Line("// " + instruction.Fused);
                    w.Line(Introduce(instruction) + " = " + Render(ForwardOf(instruction), instruction, null, null) + ";");
                    break;
            }
        }
        if (test >= 0) TopTest(test);
    }

    /// <summary><c>if (!(c)) break;</c> — not printed for a condition that is the constant true (a do-loop's).</summary>
    private void TopTest(int condition)
    {
        var name = Name(condition);
        if (name != "true") _writer.Line("if (!(" + name + ")) break;");
    }

    /// <summary>The forward template: the rule's, or for an operator between two tensors the <c>Ops.Operator…</c> form that refuses the shapes the user's operator gets wrong.</summary>
    private string ForwardOf(Instruction instruction)
    {
        var rule = RuleOf(instruction);
        // Between tensors only (tt; ttt for a product fused with the bias the user added with +): with a scalar the operator
        // broadcasts like numpy.
        return instruction.TensorOperator && rule.OpsMethod is not null && rule.Signature.Length >= 2 && rule.Signature.All(c => c == 't')
            ? rule.Forward.Replace("{Ops}.", "{Ops}.Operator")
            : rule.Forward;
    }

    /// <summary>
    /// A loop: its carried values start from their initial values; each iteration runs the body, records what the backward
    /// sweep reads in that iteration's tape, and moves the yielded values into the carried ones.
    /// </summary>
    private void ForwardLoop(Instruction loop)
    {
        var w = _writer;
        var index = Name(LoopIndex(loop.Id));
        var lo = Name(loop.Operands[0]);
        var hi = Name(loop.Operands[1]);
        var carried = _instructions.Where(i => i.Op == OpKind.Carried && i.Region == loop.Id).OrderBy(i => i.Index).ToList();
        var yield = Differentiator.YieldOf(loop, _instructions);
        foreach (var value in carried) w.Line("var " + value.Name + " = " + Name(Differentiator.InitialValue(loop, value.Index)) + ";");
        var recorded = _plan.SavedTapes.Contains(loop.Id);
        // A loop that tests a condition records as many iterations as ran: a list.
        if (recorded && loop.IsConditionalLoop)
        {
            w.Line((Hoisted(loop.Id) ? "" : "var ") + _names.Tapes[loop.Id] + " = new " + SavedTapeType(loop.Id) + "();");
        }
        else if (recorded)
        {
            w.Line((Hoisted(loop.Id) ? "" : "var ") + _names.Tapes[loop.Id] + " = global::GradGen.Workspace.NewArray<" + LoopTapeType(loop.Id) + ">(" + (lo == "0" ? hi : "global::System.Math.Max(0, " + hi + " - " + lo + ")") + ");");
        }
        w.Open("for (var " + index + " = " + lo + "; " + (loop.Condition >= 0 ? "" : index + " < " + hi) + "; " + index + "++)");
        ForwardRegion(loop.Id);
        var record = NewTape(LoopTapeType(loop.Id), TapeFields(loop.Id).Select(f => f.Name));
        if (recorded && loop.IsConditionalLoop) w.Line(_names.Tapes[loop.Id] + ".Add(" + record + ");");
        else if (recorded) w.Line(_names.Tapes[loop.Id] + "[" + Offset(index, lo) + "] = " + record + ";");
        // Every yielded value is read before any carried value is overwritten (a yield may swap carried values).
        var moves = carried.Where(c => yield.Operands[c.Index] != c.Id).ToList();
        var swaps = moves.Any(c => _instructions[yield.Operands[c.Index]] is { Op: OpKind.Carried } other && other.Region == loop.Id);
        if (swaps)
        {
            foreach (var value in moves) w.Line("var " + value.Name + "Next = " + Name(yield.Operands[value.Index]) + ";");
            foreach (var value in moves) w.Line(value.Name + " = " + value.Name + "Next;");
        }
        else
        {
            foreach (var value in moves) w.Line(value.Name + " = " + Name(yield.Operands[value.Index]) + ";");
        }
        if (loop.Exit >= 0) w.Line(Name(loop.Exit) == "true" ? "break;" : "if (" + Name(loop.Exit) + ") break;");
        w.Close();
    }

    /// <summary>The iteration number of a loop index: <c>i - lo</c>, or <c>i</c> when the loop starts at 0.</summary>
    private static string Offset(string index, string lo) => lo == "0" ? index : index + " - " + lo;

    /// <summary>
    /// A branch: what its regions record and the merged values are declared before it; each region assigns them.
    /// </summary>
    private void ForwardBranch(Instruction branch)
    {
        var w = _writer;
        var otherwise = Differentiator.ElseOf(branch, _instructions);
        var regions = new[] { branch, otherwise };
        // The outermost branch below the recording region declares what all the branches nested in it record — in the
        // same recording region: a loop nested in the branch records (and declares) its own iterations' values.
        var outermost = branch.Region == TapeRegion(branch.Id);
        foreach (var id in _plan.Forward.Where(id => outermost && Hoisted(id) && TapeRegion(id) == TapeRegion(branch.Id) && regions.Any(r => Differentiator.IsWithin(_instructions[id], r.Id, _instructions))))
        {
            if (_plan.Saved.Contains(id)) w.Line(_instructions[id].Type.TypeName + " " + Name(id) + " = default!;");
            if (_plan.SavedTapes.Contains(id)) w.Line(SavedTapeType(id) + " " + _names.Tapes[id] + " = default!;");
        }
        var results = _instructions.Where(i => i.Op == OpKind.IfResult && i.Operands[0] == branch.Id).OrderBy(i => i.Index).ToList();
        foreach (var result in results.Where(r => !(Hoisted(r.Id) && _plan.Saved.Contains(r.Id)))) w.Line(result.Type.TypeName + " " + result.Name + " = default!;");
        w.Open("if (" + Name(branch.Operands[0]) + ")");
        ForwardRegion(branch.Id);
        foreach (var result in results) w.Line(result.Name + " = " + Name(Differentiator.YieldOf(branch, _instructions).Operands[result.Index]) + ";");
        w.Close();
        w.Open("else");
        ForwardRegion(otherwise.Id);
        foreach (var result in results) w.Line(result.Name + " = " + Name(Differentiator.YieldOf(otherwise, _instructions).Operands[result.Index]) + ";");
        w.Close();
    }

    private int LoopIndex(int loop) => Differentiator.LoopIndexOf(loop, _instructions).Id;

    private int Carried(int loop, int index) => _instructions.First(i => i.Op == OpKind.Carried && i.Region == loop && i.Index == index).Id;

    /// <summary>A passive value's C# expression, its operands' names in place of <c>{0}</c>, <c>{1}</c>, ….</summary>
    private string PassiveExpression(Instruction instruction)
    {
        var builder = new StringBuilder(instruction.Template);
        for (var k = 0; k < instruction.Operands.Count; k++) builder.Replace("{" + k.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}", Name(instruction.Operands[k]));
        return builder.ToString();
    }
}
