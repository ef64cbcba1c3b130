using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// What the backward pass of a method consists of: which forward instructions run, which values receive a gradient,
/// the order of the backward sweep and what the forward sweep must record for it.
/// </summary>
/// <param name="Forward">Instructions computed in the forward sweep (those the result depends on), in order.</param>
/// <param name="Active">Per instruction: whether it receives a gradient (it depends on a differentiable parameter and a gradient flows from the result to it).</param>
/// <param name="Saved">Values the backward sweep reads, recorded on the tape.</param>
/// <param name="SavedCalls">Calls whose own tape the backward sweep needs (to run the callee's pullback).</param>
/// <param name="Names">The names the generated members introduce.</param>
/// <param name="Backward">The backward sweep, statement by statement: Emit only prints it.</param>
internal sealed record AdjointPlan(
    EquatableArray<int> Forward,
    EquatableArray<bool> Active,
    EquatableArray<int> Saved,
    EquatableArray<int> SavedCalls,
    GeneratedNames Names,
    EquatableArray<BackwardStatement> Backward);

/// <summary>A lowered method with its adjoint plan: the input of Emit.</summary>
internal sealed record DifferentiatedMethod(MethodModel Method, AdjointPlan Plan);

/// <summary>Differentiate: walks the SSA list backwards, deciding per instruction which rule contributions run (activity analysis).</summary>
internal static class Differentiator
{
    public static DifferentiatedMethod Differentiate(MethodModel method)
    {
        var instructions = method.Instructions;
        var count = instructions.Count;

        // Forward activity: which values depend on a differentiable parameter through gradient-carrying positions.
        var varied = new bool[count];
        foreach (var instruction in instructions)
        {
            varied[instruction.Id] = instruction.Op == OpKind.Parameter
                ? method.Parameters[instruction.ParameterIndex].Differentiable
                : FlowingOperands(instruction, instructions).Any(o => varied[o]);
        }

        // Backward reachability: which values the result depends on at all (forward sweep), and through gradient-carrying positions (backward sweep).
        var live = new bool[count];
        var reached = new bool[count];
        live[method.Result] = true;
        reached[method.Result] = true;
        for (var id = count - 1; id >= 0; id--)
        {
            var instruction = instructions[id];
            if (live[id]) foreach (var operand in instruction.Operands) live[operand] = true;
            if (reached[id]) foreach (var operand in FlowingOperands(instruction, instructions)) reached[operand] = true;
        }

        var active = new bool[count];
        for (var id = 0; id < count; id++) active[id] = varied[id] && reached[id] && instructions[id].Type.IsDifferentiable;

        var forward = instructions.Where(i => live[i.Id] && i.Op is not (OpKind.Parameter or OpKind.Constant)).Select(i => i.Id);
        var backward = new List<int>();
        var saved = new SortedSet<int>();
        var savedCalls = new SortedSet<int>();
        for (var id = count - 1; id >= 0; id--)
        {
            var instruction = instructions[id];
            if (!active[id] || instruction.Op is OpKind.Parameter or OpKind.Constant) continue;
            backward.Add(id);
            if (instruction.Op == OpKind.Call)
            {
                savedCalls.Add(id);
                // The callee's pullback needs a gradient buffer for each differentiable argument; for an inactive
                // tensor argument the caller passes a scratch buffer of its shape, so it needs the value.
                for (var k = 0; k < instruction.Operands.Count; k++)
                {
                    var operand = instructions[instruction.Operands[k]];
                    if (instruction.Callee!.DifferentiableParameters[k] && !active[operand.Id] && operand.Type.Kind == ValueKind.Tensor) saved.Add(operand.Id);
                }
                continue;
            }
            var rule = RuleOf(instruction, instructions);
            for (var k = 0; k < instruction.Operands.Count; k++)
            {
                if (!active[instruction.Operands[k]] || rule.Adjoints[k] is not { } adjoint) continue;
                if ((adjoint.Reads & Reads.Y) != 0) saved.Add(id);
                if ((adjoint.Reads & Reads.A) != 0) saved.Add(instruction.Operands[0]);
                if ((adjoint.Reads & Reads.B) != 0) saved.Add(instruction.Operands[1]);
            }
        }
        // A tensor intermediate's gradient buffer is allocated in the value's shape, so the backward sweep needs the value too.
        foreach (var id in backward)
        {
            if (id != method.Result && instructions[id].Type.Kind == ValueKind.Tensor) saved.Add(id);
        }
        saved.RemoveWhere(id => instructions[id].Op == OpKind.Constant);

        var planner = new BackwardPlanner(method, active, backward);
        return new DifferentiatedMethod(method, new AdjointPlan(
            forward.ToEquatableArray(), active.ToEquatableArray(), saved.ToEquatableArray(), savedCalls.ToEquatableArray(), planner.Names, planner.Statements));
    }

    /// <summary>The rule of a (non-call) instruction. Lower only accepts instructions that have one.</summary>
    public static Rule RuleOf(Instruction instruction, EquatableArray<Instruction> instructions) =>
        Rules.Find(instruction.Op, Signature(instruction, instructions))!;

    public static string Signature(Instruction instruction, EquatableArray<Instruction> instructions) =>
        new(instruction.Operands.Select(o => Rules.Letter(instructions[o].Type.Kind)).ToArray());

    /// <summary>The operands through which a gradient flows: those with an adjoint in the rule, or a call's differentiable arguments.</summary>
    private static IEnumerable<int> FlowingOperands(Instruction instruction, EquatableArray<Instruction> instructions)
    {
        if (instruction.Op is OpKind.Parameter or OpKind.Constant) yield break;
        var rule = instruction.Op == OpKind.Call ? null : RuleOf(instruction, instructions);
        for (var k = 0; k < instruction.Operands.Count; k++)
        {
            var flows = rule is null ? instruction.Callee!.DifferentiableParameters[k] : rule.Adjoints[k] is not null;
            if (flows) yield return instruction.Operands[k];
        }
    }
}
