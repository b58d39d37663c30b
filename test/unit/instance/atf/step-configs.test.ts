import { ToRecordStepConfigs } from '@servicenow/sdk-build-plugins';
import { STEP_CONFIGS } from '../../../../src/instance/atf/step-configs';

// The step config and input variable sys_ids the runner reads are the platform's; the Now SDK's
// own table (what `now-sdk build` writes them from) is the reference this list must equal.

interface SdkStep {
  name: string;
  stepConfigId: string;
  variables: Record<string, { field: string; inputVariableId: string }>;
}

const sdkSteps: SdkStep[] = Object.values(ToRecordStepConfigs as unknown as Record<string, Record<string, SdkStep>>).flatMap((category) => Object.values(category));

describe('the ATF step types the local instance runs', () => {
  it.each(Object.entries(STEP_CONFIGS))('step config %s has the SDK\'s name and input variables', (id, config) => {
    const sdk = sdkSteps.find((s) => s.stepConfigId === id);
    expect(sdk).toBeDefined();
    expect(config.name).toBe(sdk!.name);
    expect(config.inputs).toEqual(Object.fromEntries(Object.values(sdk!.variables).map((v) => [v.inputVariableId, v.field])));
  });

  it('covers every step of the SDK that the local instance implements by kind, once', () => {
    const kinds = Object.values(STEP_CONFIGS).map((c) => c.kind);
    expect(new Set(kinds).size).toBe(kinds.length);
  });
});
