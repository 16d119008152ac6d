// A validator's stake, mirrored from ValidatorStaking: activating stake becomes active once its
// activation time has passed (the contract settles it lazily, at each call; so does this).

export interface Position {
  active: bigint;
  activating: bigint;
  activeAt: bigint;
  unbonding: bigint;
  withdrawableAt: bigint;
}

/** The position as the contract's `_settled` sees it at `now`. */
export function positionAt<P extends Position>(p: P, now: bigint): P {
  if (p.activating > 0n && now >= p.activeAt) return { ...p, active: p.active + p.activating, activating: 0n };
  return p;
}

/** `stake(amount)`: earlier activating stake restarts its clock with the new one. */
export function applyStake<P extends Position>(p: P, now: bigint, amount: bigint, activeAt: bigint): P {
  const s = positionAt(p, now);
  return { ...s, activating: s.activating + amount, activeAt };
}

/** `unstake(amount)`: taken from activating stake first, then active. */
export function applyUnstake<P extends Position>(p: P, now: bigint, amount: bigint, withdrawableAt: bigint): P {
  const s = positionAt(p, now);
  const fromActivating = amount > s.activating ? s.activating : amount;
  return {
    ...s,
    activating: s.activating - fromActivating,
    active: s.active - (amount - fromActivating),
    unbonding: s.unbonding + amount,
    withdrawableAt,
  };
}

/** `slash`: the slashed amount comes from active, then activating, then unbonding stake. */
export function applySlash<P extends Position>(p: P, now: bigint, amount: bigint): P {
  const s = positionAt(p, now);
  let left = amount;
  const take = (have: bigint) => {
    const t = left > have ? have : left;
    left -= t;
    return have - t;
  };
  const active = take(s.active);
  const activating = take(s.activating);
  const unbonding = take(s.unbonding);
  return { ...s, active, activating, unbonding };
}
