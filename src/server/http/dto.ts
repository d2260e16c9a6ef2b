// Wire shapes, Langflow's spelling included (`create_at`).

import { toIso } from '../core/clock.ts'
import type { ApiKey, User } from '../core/store/types.ts'

export const userRead = (u: User) => ({
  id: u.id,
  username: u.username,
  profile_image: u.profileImage,
  store_api_key: u.storeApiKey,
  is_active: u.isActive,
  is_superuser: u.isSuperuser,
  create_at: toIso(u.createdAt),
  updated_at: toIso(u.updatedAt),
  last_login_at: toIso(u.lastLoginAt),
  optins: u.optins,
})

const API_KEY_LENGTH = 46

export const apiKeyRead = (k: ApiKey, fullKey?: string) => ({
  id: k.id,
  name: k.name,
  // Langflow shows the first 8 characters and masks the rest; the full key exists only at creation.
  api_key: fullKey ?? k.keyPrefix + '*'.repeat(API_KEY_LENGTH - k.keyPrefix.length),
  user_id: k.userId,
  created_at: toIso(k.createdAt),
  last_used_at: toIso(k.lastUsedAt),
  total_uses: k.totalUses,
  is_active: k.isActive,
})

export const tokenResponse = (t: { accessToken: string; refreshToken: string | null }) => ({
  access_token: t.accessToken,
  refresh_token: t.refreshToken,
  token_type: 'bearer',
})
