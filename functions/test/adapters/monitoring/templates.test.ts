import { defaultMetricTemplates, groupByFields, parseMetricTemplates, releaseLabelValue } from '../../../src/config/metric-templates';

describe('metric templates', () => {
  it('ships defaults for every platform that validate against their own schema', () => {
    expect(parseMetricTemplates(defaultMetricTemplates)).toEqual({ ok: true, templates: defaultMetricTemplates });
    for (const platform of ['web', 'desktop', 'mobile'] as const) expect(defaultMetricTemplates.platforms[platform]?.length).toBeGreaterThan(0);
  });

  it('groups by the release label and every label an output filters on', () => {
    const web = defaultMetricTemplates.platforms.web![0]!;
    expect(groupByFields(web).sort()).toEqual(['metric.labels.response_code_class', 'resource.labels.revision_name']);
  });

  it('names the Cloud Run revision suffix of a release', () => {
    const web = defaultMetricTemplates.platforms.web![0]!;
    expect(releaseLabelValue(web, 'v29.1.0-RC.2')).toBe('-v29-1-0-rc-2');
    expect(releaseLabelValue(defaultMetricTemplates.platforms.mobile![0]!, 'v29.1.0')).toBe('v29.1.0');
  });

  it('rejects a stored override by the path of its first bad field', () => {
    const bad = structuredClone(defaultMetricTemplates) as unknown as { platforms: { web: { release: { label: string } }[] } };
    bad.platforms.web[0]!.release.label = 'labels.release';
    expect(parseMetricTemplates(bad)).toEqual({ ok: false, error: expect.stringMatching(/^platforms\.web\.0\.release\.label: must be metric\.labels/) });
    expect(parseMetricTemplates({ platforms: { web: [{ id: 'x', metricType: 'a/b', release: { label: 'metric.labels.r' }, aligner: 'ALIGN_PERCENTILE_95', outputs: [{ signal: 'requests' }] }] } })).toMatchObject({ ok: false, error: expect.stringContaining('aligner') });
  });
});
