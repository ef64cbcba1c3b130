using System.Collections.Generic;
using System.Linq;
using GradGen.Generators.Helpers;
using GradGen.Generators.Model;

namespace GradGen.Generators.Differentiation;

/// <summary>
/// What the backward pass of a method consists of: which forward instructions run, which values receive a gradient,
/// the backward sweep statement by statement, and what the forward sweep must record for it.
/// </summary>
/// <param name="Forward">Instructions computed in the forward sweep (those the result depends on), in order.</param>
/// <param name="Active">Per instruction: whether it receives a gradient (it depends on a differentiable parameter and a gradient flows from the result to it).</param>
/// <param name="Saved">The values the backward sweep reads, each recorded on the tape of the region that defines it.</param>
/// <param name="SavedTapes">The calls (the callee's tape) and loops (the array of per-iteration tapes) the backward sweep reads.</param>
/// <param name="Names">The names the generated members introduce.</param>
/// <param name="Backward">The backward sweep, statement by statement: Emit only prints it.</param>
internal sealed record AdjointPlan(
    EquatableArray<int> Forward,
    EquatableArray<bool> Active,
    EquatableArray<int> Saved,
    EquatableArray<int> SavedTapes,
    GeneratedNames Names,
    EquatableArray<BackwardStatement> Backward);

/// <summary>A lowered method with its adjoint plan: the input of Emit.</summary>
internal sealed record DifferentiatedMethod(MethodModel Method, AdjointPlan Plan);

/// <summary>Differentiate: activity analysis over the SSA graph (to a fixed point across loops), then the backward plan.</summary>
internal static class Differentiator
{
    public static DifferentiatedMethod Differentiate(MethodModel method)
    {
        method = Planner.Fuse(method);
        var instructions = method.Instructions;
        var count = instructions.Count;
        var (varied, live, reached) = Activity(method);

        var active = new bool[count];
        for (var id = 0; id < count; id++) active[id] = varied[id] && reached[id] && instructions[id].Type.IsDifferentiable;

        var forward = instructions.Where(i => live[i.Id] && i.Op is not (OpKind.Parameter or OpKind.This or OpKind.Constant)).Select(i => i.Id);
        var planner = new BackwardPlanner(method, active);
        var saved = planner.Reads.Where(id => instructions[id].Op is not (OpKind.Constant or OpKind.LoopIndex or OpKind.This)).OrderBy(id => id);
        return new DifferentiatedMethod(method, new AdjointPlan(
            forward.ToEquatableArray(), active.ToEquatableArray(), saved.ToEquatableArray(), planner.Tapes.OrderBy(id => id).ToEquatableArray(), planner.Names,
            Planner.Plan(method, planner.Statements, planner.Names)));
    }

    /// <summary>
    /// The activity analysis: <c>varied</c>, which values depend on a differentiable parameter through gradient-carrying
    /// positions; <c>live</c>, which values the result depends on at all (the forward sweep); <c>reached</c>, which it
    /// depends on through gradient-carrying positions (the backward sweep).
    /// </summary>
    private static (bool[] Varied, bool[] Live, bool[] Reached) Activity(MethodModel method)
    {
        var instructions = method.Instructions;
        var count = instructions.Count;

        // Forward activity: which values depend on a differentiable parameter through gradient-carrying positions.
        // A loop's carried values depend on later instructions (the yield), hence the fixed point.
        var varied = new bool[count];
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var instruction in instructions)
            {
                var value = instruction.Op switch
                {
                    OpKind.Parameter => method.Parameters[instruction.ParameterIndex].Differentiable,
                    OpKind.This => method.Self is not null,
                    _ => GradientSources(instruction, instructions).Any(o => varied[o]),
                };
                if (value && !varied[instruction.Id]) varied[instruction.Id] = changed = true;
            }
        }

        // Backward reachability: which values the result depends on at all (forward sweep), and through gradient-carrying positions (backward sweep).
        var live = new bool[count];
        var reached = new bool[count];
        live[method.Result] = true;
        reached[method.Result] = true;
        for (var changed = true; changed;)
        {
            changed = false;
            for (var id = count - 1; id >= 0; id--)
            {
                var instruction = instructions[id];
                if (live[id])
                {
                    foreach (var dependency in Dependencies(instruction, instructions)) changed |= Mark(live, dependency);
                }
                // A tensor a loop carries out is computed with the loop: the backward sweep takes the shape of the gradient that
                // enters the loop's last iteration from it (the body may change a carried tensor's shape).
                if (instruction.Op == OpKind.LoopResult && instruction.Type.Kind == ValueKind.Tensor && live[instruction.Operands[0]]) changed |= Mark(live, id);
                if (reached[id])
                {
                    foreach (var source in GradientSources(instruction, instructions)) changed |= Mark(reached, source);
                }
            }
        }
        return (varied, live, reached);
    }

    /// <summary>
    /// The operands whose gradient the rules would drop: a value that depends on a differentiable parameter, at an operand
    /// position its op's rule does not differentiate (LayerNorm's eps, CausalSoftmax's scale), of an op whose result the
    /// method's result depends on. Differentiating such a method would silently give a wrong gradient, so Lower rejects it.
    /// </summary>
    public static IEnumerable<(int Instruction, int Operand)> DroppedGradients(MethodModel method)
    {
        var instructions = method.Instructions;
        var (varied, _, reached) = Activity(method);
        foreach (var instruction in instructions)
        {
            if (!reached[instruction.Id] || !HasRule(instruction.Op)) continue;
            var rule = RuleOf(instruction, instructions);
            for (var k = 0; k < instruction.Operands.Count; k++)
            {
                var operand = instructions[instruction.Operands[k]];
                if (rule.Adjoints[k] is null && operand.Type.IsDifferentiable && varied[operand.Id]) yield return (instruction.Id, k);
            }
        }
    }

    private static bool Mark(bool[] set, int id)
    {
        if (set[id]) return false;
        set[id] = true;
        return true;
    }

    /// <summary>The rule of a (rule-backed) instruction. Lower only accepts instructions that have one.</summary>
    public static Rule RuleOf(Instruction instruction, EquatableArray<Instruction> instructions) =>
        Rules.Find(instruction.Op, Signature(instruction, instructions))!;

    public static string Signature(Instruction instruction, EquatableArray<Instruction> instructions) =>
        new(instruction.Operands.Select(o => Rules.Letter(instructions[o].Type.Kind)).ToArray());

    /// <summary>True for the ops the rule table differentiates (the others are structure: parameters, loops, calls, reads).</summary>
    public static bool HasRule(OpKind op) => op is not (OpKind.Parameter or OpKind.This or OpKind.Constant or OpKind.Call or OpKind.Passive or OpKind.Element
        or OpKind.Member or OpKind.For or OpKind.LoopIndex or OpKind.Carried or OpKind.Yield or OpKind.LoopResult or OpKind.If or OpKind.Else or OpKind.IfResult
        or OpKind.Pack or OpKind.NewArray or OpKind.Store);

    /// <summary>
    /// True for an array of tensors this method builds (<c>Ops.Split</c>'s parts, a <see cref="OpKind.Pack"/>, a
    /// <see cref="OpKind.NewArray"/>): unlike a parameter's, member's or element's, its gradient is this method's own buffer —
    /// an array of zero tensors shaped like its elements, declared where the backward sweep of its region begins.
    /// </summary>
    public static bool IsBuiltContainer(Instruction instruction) =>
        instruction.Type.Kind == ValueKind.Container && (instruction.Op is OpKind.Pack or OpKind.NewArray || HasRule(instruction.Op));

    /// <summary>The <see cref="OpKind.Store"/>s into a <see cref="OpKind.NewArray"/>.</summary>
    public static IEnumerable<Instruction> StoresInto(Instruction array, EquatableArray<Instruction> instructions) =>
        instructions.Where(i => i.Op == OpKind.Store && i.Operands[0] == array.Id);

    /// <summary>The loop instruction (<see cref="OpKind.For"/>) a loop-structure instruction belongs to.</summary>
    public static Instruction LoopOf(Instruction instruction, EquatableArray<Instruction> instructions) =>
        instruction.Op == OpKind.LoopResult ? instructions[instruction.Operands[0]] : instructions[instruction.Region];

    /// <summary>The yield that ends a region (a loop's body, a branch).</summary>
    public static Instruction YieldOf(Instruction loop, EquatableArray<Instruction> instructions) =>
        instructions.First(i => i.Op == OpKind.Yield && i.Region == loop.Id);

    /// <summary>The index of a loop (the <see cref="OpKind.LoopIndex"/> at the start of its body).</summary>
    public static Instruction LoopIndexOf(int loop, EquatableArray<Instruction> instructions) =>
        instructions.First(i => i.Op == OpKind.LoopIndex && i.Region == loop);

    /// <summary>True when an instruction lies in a region (a loop's body, a branch), directly or in a region nested in it.</summary>
    public static bool IsWithin(Instruction instruction, int region, EquatableArray<Instruction> instructions)
    {
        for (var r = instruction.Region; r >= 0; r = instructions[r].Region)
        {
            if (r == region) return true;
        }
        return false;
    }

    /// <summary>The else-region owner of an <see cref="OpKind.If"/>.</summary>
    public static Instruction ElseOf(Instruction branch, EquatableArray<Instruction> instructions) =>
        instructions.First(i => i.Op == OpKind.Else && i.Operands[0] == branch.Id);

    /// <summary>The initial value of carried value <paramref name="index"/> of a loop.</summary>
    public static int InitialValue(Instruction loop, int index) => loop.Operands[2 + index];

    /// <summary>The values whose gradient a value's gradient flows into.</summary>
    public static IEnumerable<int> GradientSources(Instruction instruction, EquatableArray<Instruction> instructions)
    {
        switch (instruction.Op)
        {
            case OpKind.Call:
                for (var k = 0; k < instruction.Operands.Count; k++)
                {
                    if (instruction.Callee!.DifferentiableParameters[k]) yield return instruction.Operands[k];
                }
                yield break;
            case OpKind.Element:
            case OpKind.Member:
                yield return instruction.Operands[0];
                yield break;
            case OpKind.Pack:
                foreach (var operand in instruction.Operands) yield return operand;
                yield break;
            case OpKind.Store:
                yield return instruction.Operands[2];
                yield break;
            case OpKind.NewArray:
                // What is stored into it: its elements.
                foreach (var store in StoresInto(instruction, instructions)) yield return store.Id;
                yield break;
            case OpKind.Carried:
            case OpKind.LoopResult:
            {
                // At the first iteration (or after none) the value is the initial one; otherwise what the body yielded.
                var loop = LoopOf(instruction, instructions);
                yield return InitialValue(loop, instruction.Index);
                yield return YieldOf(loop, instructions).Operands[instruction.Index];
                yield break;
            }
            case OpKind.IfResult:
            {
                // What the branch taken yielded.
                var branch = instructions[instruction.Operands[0]];
                yield return YieldOf(branch, instructions).Operands[instruction.Index];
                yield return YieldOf(ElseOf(branch, instructions), instructions).Operands[instruction.Index];
                yield break;
            }
            default:
                if (!HasRule(instruction.Op)) yield break;
                var rule = RuleOf(instruction, instructions);
                for (var k = 0; k < instruction.Operands.Count; k++)
                {
                    if (rule.Adjoints[k] is not null) yield return instruction.Operands[k];
                }
                yield break;
        }
    }

    /// <summary>The values that must be computed for a value to be computed (forward liveness).</summary>
    private static IEnumerable<int> Dependencies(Instruction instruction, EquatableArray<Instruction> instructions)
    {
        foreach (var operand in instruction.Operands) yield return operand;
        if (instruction.Region >= 0) yield return instruction.Region; // the loop must run
        switch (instruction.Op)
        {
            case OpKind.Carried:
            case OpKind.LoopResult:
                foreach (var source in GradientSources(instruction, instructions)) yield return source;
                break;
            case OpKind.For:
                yield return YieldOf(instruction, instructions).Id;
                if (instruction.Condition >= 0) yield return instruction.Condition;
                if (instruction.Exit >= 0) yield return instruction.Exit;
                break;
            case OpKind.If:
                yield return YieldOf(instruction, instructions).Id;
                yield return ElseOf(instruction, instructions).Id;
                break;
            case OpKind.Else:
                yield return YieldOf(instruction, instructions).Id;
                break;
            case OpKind.IfResult:
                foreach (var source in GradientSources(instruction, instructions)) yield return source;
                break;
            case OpKind.NewArray:
                // The array is complete once what is stored into it is.
                foreach (var store in StoresInto(instruction, instructions)) yield return store.Id;
                break;
        }
    }
}
